{{- define "wfm.fullname" -}}
{{- printf "%s-wfm" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "wfm.labels" -}}
app.kubernetes.io/name: wfm
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "wfm.scannerServiceAccount" -}}
{{- default (printf "%s-scanner" (include "wfm.fullname" .)) .Values.serviceAccount.scanner.name -}}
{{- end -}}

{{- define "wfm.collectorServiceAccount" -}}
{{- default (printf "%s-collector" (include "wfm.fullname" .)) .Values.serviceAccount.collector.name -}}
{{- end -}}
