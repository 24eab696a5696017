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

{{/* Seconds Spring's shutdown phase waits for the worker: the drain timeout plus 20 s to release unfinished jobs. */}}
{{- define "kiln.worker.shutdownPhaseSeconds" -}}
{{- add (include "kiln.durationSeconds" .Values.worker.drainTimeout | int) 20 }}
{{- end }}

{{/* Worker termination grace period: computed from the drain timeout, or checked against it. */}}
{{- define "kiln.worker.terminationGracePeriodSeconds" -}}
{{- $drain := include "kiln.durationSeconds" .Values.worker.drainTimeout | int }}
{{- $phase := include "kiln.worker.shutdownPhaseSeconds" . | int }}
{{- $grace := .Values.worker.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $grace }}
{{- $grace = add $drain (int .Values.worker.shutdownMarginSeconds) }}
{{- end }}
{{- if le (int $grace) $phase }}
{{- fail (printf "worker.terminationGracePeriodSeconds (%d) must be greater than worker.drainTimeout (%s = %d s) plus the 20 s the worker needs to release unfinished jobs: Kubernetes would kill a worker still finishing its job. Leave it empty to let the chart compute it." (int $grace) .Values.worker.drainTimeout $drain) }}
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
- name: SPRING_DATA_REDIS_HOST
  value: {{ required "redis.host is required" .Values.redis.host | quote }}
- name: SPRING_DATA_REDIS_PORT
  value: {{ .Values.redis.port | quote }}
- name: SPRING_DATA_REDIS_SSL_ENABLED
  value: {{ .Values.redis.ssl | quote }}
{{- with .Values.redis.existingSecret }}
- name: SPRING_DATA_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.redis.existingSecretKey }}
{{- end }}
- name: JAVA_TOOL_OPTIONS
  value: "-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp"
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

{{/* Queue URL or name for KEDA's aws-sqs-queue trigger. Call with (dict "ctx" $ "queue" "kiln-jobs-standard"). */}}
{{- define "kiln.queueUrl" -}}
{{- if .ctx.Values.aws.accountId }}
{{- printf "https://sqs.%s.amazonaws.com/%s/%s" .ctx.Values.aws.region (toString .ctx.Values.aws.accountId) .queue }}
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
