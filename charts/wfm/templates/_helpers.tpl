{{- define "wfm.fullname" -}}
{{- printf "%s-wfm" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "wfm.labels" -}}
app.kubernetes.io/name: wfm
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- /* Labels that pick one service's pods: (dict "root" $ "component" "api") */ -}}
{{- define "wfm.selectorLabels" -}}
app.kubernetes.io/name: wfm
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "wfm.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) -}}
{{- end -}}

{{- define "wfm.scannerServiceAccount" -}}
{{- if and (not .Values.serviceAccount.scanner.create) (not .Values.serviceAccount.scanner.name) -}}
{{- fail "serviceAccount.scanner.name: name the existing account when serviceAccount.scanner.create is false" -}}
{{- end -}}
{{- default (printf "%s-scanner" (include "wfm.fullname" .)) .Values.serviceAccount.scanner.name -}}
{{- end -}}

{{- define "wfm.collectorServiceAccount" -}}
{{- if and (not .Values.serviceAccount.collector.create) (not .Values.serviceAccount.collector.name) -}}
{{- fail "serviceAccount.collector.name: name the existing account when serviceAccount.collector.create is false" -}}
{{- end -}}
{{- default (printf "%s-collector" (include "wfm.fullname" .)) .Values.serviceAccount.collector.name -}}
{{- end -}}

{{- /* The Secret holding DATABASE_URL, and its key. */ -}}
{{- define "wfm.databaseSecret" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else if .Values.database.url -}}
{{- printf "%s-db" (include "wfm.fullname" .) -}}
{{- else -}}
{{- fail "set database.existingSecret (a Secret holding DATABASE_URL) or database.url" -}}
{{- end -}}
{{- end -}}

{{- define "wfm.databaseSecretKey" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecretKey -}}
{{- else -}}
DATABASE_URL
{{- end -}}
{{- end -}}

{{- /* The Secret whose keys every service gets as environment variables, if any. */ -}}
{{- define "wfm.envSecret" -}}
{{- if .Values.existingSecretEnv -}}
{{- .Values.existingSecretEnv -}}
{{- else if .Values.secretEnv -}}
{{- printf "%s-env" (include "wfm.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- /* A setting's value as an environment variable's: numbers in values reach
Helm as float64 (5242880 would print as 5.24288e+06, which wfm refuses), so
they are written as integers (wfm has no fractional settings). */ -}}
{{- define "wfm.envValue" -}}
{{- if kindIs "float64" . -}}
{{- int64 . | toString | quote -}}
{{- else -}}
{{- toString . | quote -}}
{{- end -}}
{{- end -}}
