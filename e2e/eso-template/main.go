// External Secrets Operator's own template engine (v2), for the e2e suites: it renders an
// ExternalSecret's target.template.data over a generator's output keys exactly as the operator's
// controller does (scope Values, target Data), and prints the Secret's data as JSON.
//
// Input (standard input): {"template": {"<key>": "<template>"}, "data": {"<output key>": "<value>"}}.
// Exit 1 with the engine's error when a template fails (a missing key included: missingkey=error).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	esapi "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	template "github.com/external-secrets/external-secrets/pkg/template/v2"
	corev1 "k8s.io/api/core/v1"
)

func main() {
	var in struct {
		Template map[string]string `json:"template"`
		Data     map[string]string `json:"data"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tpl := map[string][]byte{}
	for k, v := range in.Template {
		tpl[k] = []byte(v)
	}
	data := map[string][]byte{}
	for k, v := range in.Data {
		data[k] = []byte(v)
	}
	secret := &corev1.Secret{}
	if err := template.Execute(tpl, data, esapi.TemplateScopeValues, esapi.TemplateTargetData, secret); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := map[string]string{}
	for k, v := range secret.Data {
		out[k] = string(v)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
