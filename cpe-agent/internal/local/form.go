package local

import "net/http"

// postValue reads one field of a posted form. The page's forms are all
// urlencoded; http.Request.PostFormValue would read them the same way but
// links the multipart parser into the router binary for nothing. Parse
// errors are ignored as PostFormValue ignores them: the field reads as
// missing.
func postValue(r *http.Request, key string) string {
	if r.PostForm == nil {
		r.ParseForm()
	}
	return r.PostForm.Get(key)
}
