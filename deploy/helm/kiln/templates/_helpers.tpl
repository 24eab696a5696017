{{/* Chart name. */}}
{{- define "kiln.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name, plus the chart name unless the release name contains it. */}}
{{- define "kiln.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart label value. */}}
{{- define "kiln.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of one component's resources: {fullname}-{component}. Call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "kiln.componentName" -}}
{{- printf "%s-%s" (include "kiln.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every resource. Call with (dict "ctx" $ "component" "gateway"); component may be empty. */}}
{{- define "kiln.labels" -}}
helm.sh/chart: {{ include "kiln.chart" .ctx }}
{{ include "kiln.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: kiln
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels. Call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "kiln.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kiln.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{/* Service account name of a component. Call with (dict "ctx" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "kiln.serviceAccountName" -}}
{{- if .values.serviceAccount.create }}
{{- default (include "kiln.componentName" .) .values.serviceAccount.name }}
{{- else }}
{{- required (printf "%s.serviceAccount.name is required when serviceAccount.create is false" .component) .values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference of a component; refuses `latest`. Call with (dict "ctx" $ "values" .Values.gateway). */}}
{{- define "kiln.image" -}}
{{- $tag := default .ctx.Chart.AppVersion .ctx.Values.image.tag | toString }}
{{- if or (eq $tag "latest") (hasSuffix ":latest" .values.image.repository) }}
{{- fail "image tag 'latest' is not allowed: set image.tag to a released version" }}
{{- end }}
{{- printf "%s%s:%s" .ctx.Values.image.registry .values.image.repository $tag }}
{{- end }}

{{/* A duration (`250ms`, `90s`, `5m`, `1h`, `4d`) in whole seconds, rounded up. */}}
{{- define "kiln.durationSeconds" -}}
{{- $d := toString . }}
{{- if regexMatch "^[0-9]+ms$" $d }}
{{- $ms := trimSuffix "ms" $d | int }}
{{- div (add $ms 999) 1000 }}
{{- else if regexMatch "^[0-9]+s$" $d }}
{{- trimSuffix "s" $d | int }}
{{- else if regexMatch "^[0-9]+m$" $d }}
{{- mul (trimSuffix "m" $d | int) 60 }}
{{- else if regexMatch "^[0-9]+h$" $d }}
{{- mul (trimSuffix "h" $d | int) 3600 }}
{{- else if regexMatch "^[0-9]+d$" $d }}
{{- mul (trimSuffix "d" $d | int) 86400 }}
{{- else }}
{{- fail (printf "'%s' is not a duration: use a whole number with ms, s, m, h or d, e.g. 90s" $d) }}
{{- end }}
{{- end }}

{{/* Whether workers may run on spot capacity: the Kiln NodePool allows it, or the workers watch for spot notices. */}}
{{- define "kiln.worker.spotAllowed" -}}
{{- if or .Values.worker.spotNotice.enabled (and .Values.karpenter.enabled (has "spot" .Values.karpenter.nodePool.capacityTypes)) }}true{{ end }}
{{- end }}

{{/*
The drain time spot leaves: the notice, less Karpenter's reaction (notice to SIGTERM), the 20 s the worker needs to
release unfinished jobs and 20 s for the JVM to exit. 120 - 20 - 20 - 20 = 60 s by default.
*/}}
{{- define "kiln.worker.spotDrainSeconds" -}}
{{- $n := .Values.worker.spotNotice }}
{{- sub (sub (int $n.noticeSeconds) (int $n.reactionSeconds)) 40 }}
{{- end }}

{{/* The worker's drain timeout: as set, or derived (what the spot notice leaves when spot is allowed, else 90 s). */}}
{{- define "kiln.worker.drainTimeout" -}}
{{- if .Values.worker.drainTimeout }}
{{- .Values.worker.drainTimeout }}
{{- else if include "kiln.worker.spotAllowed" . }}
{{- $s := include "kiln.worker.spotDrainSeconds" . | int }}
{{- if lt $s 10 }}
{{- fail (printf "worker.spotNotice: noticeSeconds (%d) - reactionSeconds (%d) - 40 s leaves %d s to drain a worker; set worker.drainTimeout explicitly or fix the spot notice values." (int .Values.worker.spotNotice.noticeSeconds) (int .Values.worker.spotNotice.reactionSeconds) $s) }}
{{- end }}
{{- printf "%ds" $s }}
{{- else }}
{{- "90s" }}
{{- end }}
{{- end }}

{{/* Seconds Spring's shutdown phase waits for the worker: the drain timeout plus 20 s to release unfinished jobs. */}}
{{- define "kiln.worker.shutdownPhaseSeconds" -}}
{{- add (include "kiln.durationSeconds" (include "kiln.worker.drainTimeout" .) | int) 20 }}
{{- end }}

{{/* Worker termination grace period: computed from the drain timeout, or checked against it. */}}
{{- define "kiln.worker.terminationGracePeriodSeconds" -}}
{{- $drain := include "kiln.durationSeconds" (include "kiln.worker.drainTimeout" .) | int }}
{{- $phase := include "kiln.worker.shutdownPhaseSeconds" . | int }}
{{- $grace := .Values.worker.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $grace }}
{{- $grace = add $drain (int .Values.worker.shutdownMarginSeconds) }}
{{- end }}
{{- if le (int $grace) $phase }}
{{- fail (printf "worker.terminationGracePeriodSeconds (%d) must be greater than worker.drainTimeout (%s = %d s) plus the 20 s the worker needs to release unfinished jobs: Kubernetes would kill a worker still finishing its job. Leave it empty to let the chart compute it." (int $grace) (include "kiln.worker.drainTimeout" .) $drain) }}
{{- end }}
{{- int $grace }}
{{- end }}

{{/* Environment shared by every Kiln service. */}}
{{- define "kiln.commonEnv" -}}
- name: SPRING_CLOUD_AWS_REGION_STATIC
  value: {{ .Values.aws.region | quote }}
{{- with .Values.aws.endpoint }}
- name: SPRING_CLOUD_AWS_SQS_ENDPOINT
  value: {{ . | quote }}
- name: SPRING_CLOUD_AWS_S3_ENDPOINT
  value: {{ . | quote }}
- name: SPRING_CLOUD_AWS_S3_PATH_STYLE_ACCESS_ENABLED
  value: "true"
{{- end }}
- name: KILN_QUEUES_PREFIX
  value: {{ .Values.queues.prefix | quote }}
- name: KILN_STORAGE_BUCKET
  value: {{ .Values.storage.bucket | quote }}
- name: KILN_RETENTION
  value: {{ .Values.queueService.config.recordRetention | default .Values.jobs.retention | quote }}
{{- if .Values.redis.cluster }}
{{- /* cluster mode (MemoryDB, ElastiCache cluster mode enabled): the configuration endpoint seeds the topology */}}
- name: SPRING_DATA_REDIS_CLUSTER_NODES
  value: {{ printf "%s:%v" (required "redis.host is required" .Values.redis.host) .Values.redis.port | quote }}
{{- else }}
- name: SPRING_DATA_REDIS_HOST
  value: {{ required "redis.host is required" .Values.redis.host | quote }}
- name: SPRING_DATA_REDIS_PORT
  value: {{ .Values.redis.port | quote }}
{{- end }}
- name: SPRING_DATA_REDIS_SSL_ENABLED
  value: {{ .Values.redis.ssl | quote }}
{{- if .Values.redis.existingSecretUsernameKey }}
- name: SPRING_DATA_REDIS_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "redis.existingSecretUsernameKey needs redis.existingSecret" .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretUsernameKey }}
{{- else if .Values.redis.username }}
- name: SPRING_DATA_REDIS_USERNAME
  value: {{ .Values.redis.username | quote }}
{{- end }}
{{- with .Values.redis.existingSecret }}
- name: SPRING_DATA_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.redis.existingSecretKey }}
{{- end }}
- name: JAVA_TOOL_OPTIONS
  value: "-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp"
{{- if ne .Values.logging.format "text" }}
- name: LOGGING_STRUCTURED_FORMAT_CONSOLE
  value: {{ .Values.logging.format | quote }}
{{- end }}
{{- with .Values.tracing.otlp.endpoint }}
{{- /* Spring Boot maps the standard OpenTelemetry variable to its OTLP span exporter (<url>/v1/traces) */}}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Container security context: non-root, read-only root file system, no capabilities. */}}
{{- define "kiln.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Pod security context. */}}
{{- define "kiln.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Probes on the actuator health groups. Call with the port name. */}}
{{- define "kiln.probes" -}}
startupProbe:
  httpGet:
    path: /actuator/health/liveness
    port: {{ . }}
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: {{ . }}
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: {{ . }}
  periodSeconds: 5
  failureThreshold: 3
{{- end }}

{{/* Service account. Call with (dict "ctx" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "kiln.serviceAccount" -}}
{{- if .values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "kiln.serviceAccountName" . }}
  labels:
    {{- include "kiln.labels" . | nindent 4 }}
  {{- $annotations := dict }}
  {{- if and (eq .ctx.Values.aws.identity "irsa") .values.serviceAccount.roleArn }}
  {{- $_ := set $annotations "eks.amazonaws.com/role-arn" .values.serviceAccount.roleArn }}
  {{- end }}
  {{- $annotations = merge $annotations .values.serviceAccount.annotations }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end }}

{{/* PodDisruptionBudget. Call with (dict "ctx" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "kiln.podDisruptionBudget" -}}
{{- if .values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "kiln.componentName" . }}
  labels:
    {{- include "kiln.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "kiln.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
The AWS account id as 12 digits, whether it came as a string, as an integer (`--set aws.accountId=123456789012`) or
as a YAML number (a float64 in Helm); a number loses leading zeros, which are put back. Empty when unset.
*/}}
{{- define "kiln.awsAccountId" -}}
{{- $id := .Values.aws.accountId }}
{{- if kindIs "string" $id }}
{{- $id }}
{{- else if kindIs "float64" $id }}
{{- printf "%012.0f" $id }}
{{- else if not (kindIs "invalid" $id) }}
{{- printf "%012d" (int64 $id) }}
{{- end }}
{{- end }}

{{/* Queue URL or name for KEDA's aws-sqs-queue trigger. Call with (dict "ctx" $ "queue" "kiln-jobs-standard"). */}}
{{- define "kiln.queueUrl" -}}
{{- $account := include "kiln.awsAccountId" .ctx }}
{{- if $account }}
{{- printf "https://sqs.%s.amazonaws.com/%s/%s" .ctx.Values.aws.region $account .queue }}
{{- else }}
{{- .queue }}
{{- end }}
{{- end }}

{{/* The KEDA triggers of the workers. */}}
{{- define "kiln.worker.triggers" -}}
{{- $a := .Values.worker.autoscaling }}
{{- if eq $a.trigger "aws-sqs-queue" }}
{{- range .Values.queues.lanes }}
- type: aws-sqs-queue
  name: {{ printf "lane-%s" . }}
  authenticationRef:
    name: {{ include "kiln.componentName" (dict "ctx" $ "component" "worker") }}
  metadata:
    queueURL: {{ include "kiln.queueUrl" (dict "ctx" $ "queue" (printf "%s-jobs-%s" $.Values.queues.prefix .)) | quote }}
    awsRegion: {{ $.Values.aws.region | quote }}
    queueLength: {{ $a.sqs.queueLength | quote }}
    activationQueueLength: {{ $a.sqs.activationQueueLength | quote }}
    scaleOnInFlight: {{ $a.sqs.scaleOnInFlight | quote }}
    {{- with $.Values.aws.endpoint }}
    awsEndpoint: {{ . | quote }}
    {{- end }}
{{- end }}
{{- else }}
- type: {{ $a.trigger }}
  name: advisor
  metadata:
    scalerAddress: {{ printf "%s.%s.svc:%d" (include "kiln.componentName" (dict "ctx" $ "component" "advisor")) .Release.Namespace (int .Values.advisor.service.grpcPort) | quote }}
    queuePrefix: {{ .Values.queues.prefix | quote }}
    lanes: {{ join "," .Values.queues.lanes | quote }}
{{- end }}
{{- end }}

{{/* Who KEDA authenticates as for the aws-sqs-queue trigger: as set, or `workload` with IRSA and `keda` otherwise. */}}
{{- define "kiln.worker.sqsIdentityOwner" -}}
{{- $owner := .Values.worker.autoscaling.sqs.identityOwner }}
{{- if $owner }}
{{- $owner }}
{{- else if eq .Values.aws.identity "irsa" }}
{{- "workload" }}
{{- else }}
{{- "keda" }}
{{- end }}
{{- end }}

{{/* A Go duration of whole hours, minutes and seconds (`2h`, `1h30m`, `90s`), as Karpenter takes them, in seconds. */}}
{{- define "kiln.goDurationSeconds" -}}
{{- $total := 0 }}
{{- range regexFindAll "[0-9]+[hms]" (toString .) -1 }}
{{- $n := regexFind "^[0-9]+" . | int }}
{{- if hasSuffix "h" . }}{{ $total = add $total (mul $n 3600) }}{{ else if hasSuffix "m" . }}{{ $total = add $total (mul $n 60) }}{{ else }}{{ $total = add $total $n }}{{ end }}
{{- end }}
{{- $total }}
{{- end }}

{{/* Gateway grace period: the preStop sleep, Spring's graceful shutdown (30 s per phase) and 5 s to exit. */}}
{{- define "kiln.gateway.terminationGracePeriodSeconds" -}}
{{- add (int .Values.gateway.preStopSleepSeconds) 35 }}
{{- end }}

{{/*
NetworkPolicy of a component's pods: its HTTP port (service, actuator) only from Kiln's pods of this release and from
the Prometheus namespace; `extraRules` (YAML list) are added as they are. Call with
(dict "ctx" $ "component" "advisor" "extraRules" "...").
*/}}
{{- define "kiln.networkPolicy" -}}
{{- if .ctx.Values.networkPolicy.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "kiln.componentName" . }}
  labels:
    {{- include "kiln.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "kiln.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/part-of: kiln
              app.kubernetes.io/instance: {{ .ctx.Release.Name }}
        - namespaceSelector:
            matchLabels:
              {{- toYaml .ctx.Values.networkPolicy.prometheusNamespaceSelector | nindent 14 }}
      ports:
        - port: http
          protocol: TCP
    {{- with .extraRules }}
    {{- . | nindent 4 }}
    {{- end }}
{{- end }}
{{- end }}
