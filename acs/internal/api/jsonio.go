package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// checkContentType refuses bodies that do not say they are JSON, so that a
// form post from a browser can never be mistaken for an API call.
func checkContentType(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, codeUnsupportedType,
			"send the body as JSON with Content-Type: application/json (got %q)", ct)
	}
	return nil
}

// decodeBody reads one JSON value from the request body into v. Unknown
// fields, trailing data, an empty body and bodies over MaxBodyBytes are
// refused.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, codeTooLarge,
				"request body exceeds %d bytes", MaxBodyBytes)
		}
		return badRequest(codeBadRequest, "reading the request body: %v", err)
	}
	return decodeJSON(data, v)
}

// decodeJSON is decodeBody's parser, apart so that fuzzing reaches it.
func decodeJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return badRequest(codeInvalidJSON, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest(codeInvalidJSON, "invalid JSON body: %s", jsonErrorText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest(codeInvalidJSON, "invalid JSON body: data after the JSON value")
	}
	return nil
}

// jsonErrorText phrases decoder errors for people: encoding/json prefixes
// its messages with "json: " and names Go types.
func jsonErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q must be a JSON %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return "the body must be a JSON object"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// writeJSON answers with v as JSON. Marshalling first means a value that
// cannot be encoded becomes a clean 500 rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(errorBody{Error: "internal error: encoding the answer", Code: codeInternal})
	}
	data = append(data, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	// Answers may carry secrets for admins and always carry live state.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, errorBody{Error: e.message, Code: e.code})
}
