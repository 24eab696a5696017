{{/* The worker pod template, shared by the Deployment (ScaledObject mode) and the ScaledJob. */}}
{{- define "kiln.worker.podTemplate" -}}
{{- $c := dict "ctx" . "component" "worker" "values" .Values.worker }}
{{- $w := .Values.worker }}
{{- $oneShot := eq $w.autoscaling.mode "scaledJob" }}
metadata:
  labels:
    {{- include "kiln.labels" $c | nindent 4 }}
  {{- with $w.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include "kiln.serviceAccountName" $c }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $oneShot }}
  restartPolicy: Never
  {{- end }}
  securityContext:
    {{- include "kiln.podSecurityContext" . | nindent 4 }}
  # Longer than the drain timeout: on SIGTERM a worker finishes (or releases) the job in hand before it exits.
  terminationGracePeriodSeconds: {{ include "kiln.worker.terminationGracePeriodSeconds" . }}
  containers:
    - name: worker
      image: {{ include "kiln.image" $c | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: 8082
          protocol: TCP
      env:
        {{- include "kiln.commonEnv" . | nindent 8 }}
        - name: KILN_WORKER_DRAIN_TIMEOUT
          value: {{ $w.drainTimeout | quote }}
        - name: SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE
          value: {{ include "kiln.worker.shutdownPhaseSeconds" . | printf "%ss" | quote }}
        - name: KILN_WORKER_HEARTBEAT_INTERVAL
          value: {{ $w.heartbeatInterval | quote }}
        - name: KILN_WORKER_LEASE_TTL
          value: {{ $w.leaseTtl | quote }}
        - name: KILN_WORKER_VISIBILITY_TIMEOUT
          value: {{ $w.visibilityTimeout | quote }}
        - name: KILN_WORKER_SPOT_ENABLED
          value: {{ $w.spotNotice.enabled | quote }}
        - name: KILN_WORKER_PROGRESS_INTERVAL
          value: {{ $w.progressInterval | quote }}
        - name: KILN_WORKER_MODEL_CACHE
          value: /models
        - name: DJL_CACHE_DIR
          value: /models/djl-cache
        # Every worker pod gets a GPU (worker.gpu), so a worker that cannot use it must not start and render on the
        # CPU instead; a model's own `device` still wins.
        - name: KILN_WORKER_DEVICE
          value: gpu
        {{- if $oneShot }}
        - name: KILN_WORKER_MAX_JOBS
          value: {{ $w.autoscaling.scaledJob.jobsPerPod | quote }}
        {{- end }}
        {{- with $w.models }}
        - name: SPRING_APPLICATION_JSON
          value: {{ dict "kiln" (dict "worker" (dict "models" .)) | toJson | quote }}
        {{- end }}
        {{- with $w.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- include "kiln.probes" "http" | nindent 6 }}
      resources:
        requests:
          {{- with $w.resources.requests }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
          {{ $w.gpu.resourceName }}: {{ $w.gpu.count | quote }}
        limits:
          {{- with $w.resources.limits }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
          {{ $w.gpu.resourceName }}: {{ $w.gpu.count | quote }}
      securityContext:
        {{- include "kiln.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: models
          mountPath: /models
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 2Gi
    - name: models
      {{- if eq $w.model.cache "emptyDir" }}
      emptyDir:
        sizeLimit: {{ $w.model.sizeLimit }}
      {{- else if eq $w.model.cache "hostPath" }}
      hostPath:
        path: {{ $w.model.hostPath }}
        type: DirectoryOrCreate
      {{- else }}
      persistentVolumeClaim:
        claimName: {{ required "worker.model.claimName is required when worker.model.cache is persistentVolumeClaim" $w.model.claimName }}
      {{- end }}
  {{- with $w.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $w.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $w.affinity }}
  affinity:
    {{- toYaml $w.affinity | nindent 4 }}
  {{- else if .Values.karpenter.enabled }}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions:
              - key: karpenter.sh/nodepool
                operator: In
                values:
                  - {{ include "kiln.componentName" (dict "ctx" . "component" "gpu") }}
  {{- end }}
{{- end }}
