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
  {{- if eq $w.model.cache "hostPath" }}
  initContainers:
    # kubelet creates a hostPath folder root-owned 0755 and fsGroup does not apply to hostPath, so the worker (65532)
    # could not write its models. This hands the cache to it: root, but with the CHOWN capability only (no
    # DAC_OVERRIDE, no privilege); files already the worker's are left alone. On Bottlerocket the folder lives on the
    # data volume (SELinux type local_t), which ordinary container_t pods may write: no seLinuxOptions needed.
    - name: model-cache-owner
      image: {{ default (include "kiln.image" $c) $w.model.ownerImage | quote }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      command:
        - sh
        - -c
        # The folder itself is what makes the cache writable; entries below (e.g. root-owned files of a snapshot) are
        # handed over where root can reach them without DAC_READ_SEARCH.
        - >-
          chown 65532:65532 /models &&
          { find /models -mindepth 1 -xdev ! -user 65532 -exec chown 65532:65532 {} + ||
          echo "model-cache-owner: some entries below /models were left as they are" >&2; }
      resources:
        requests:
          cpu: 50m
          memory: 32Mi
        limits:
          memory: 64Mi
      securityContext:
        runAsNonRoot: false
        runAsUser: 0
        runAsGroup: 0
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop:
            - ALL
          add:
            - CHOWN
        seccompProfile:
          type: RuntimeDefault
      volumeMounts:
        - name: models
          mountPath: /models
  {{- end }}
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
          value: {{ include "kiln.worker.drainTimeout" . | quote }}
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
        # A Job started for a message another Job took ends instead of holding its GPU node.
        - name: KILN_WORKER_MAX_IDLE
          value: {{ $w.autoscaling.scaledJob.maxIdle | quote }}
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
  {{- include "kiln.worker.placement" . | nindent 2 }}
{{- end }}

{{/* Where worker pods (and the GPU test pod) run: node selector, tolerations, and the Kiln NodePool. */}}
{{- define "kiln.worker.placement" -}}
{{- $w := .Values.worker }}
{{- with $w.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $w.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $w.affinity }}
affinity:
  {{- toYaml $w.affinity | nindent 2 }}
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
