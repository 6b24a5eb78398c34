// Package webwidget holds Gridline's browser front end — the customer chat widget,
// the demo utility site it sits on, the agent console and the admin pages — as
// plain HTML, CSS and JavaScript modules embedded in the binary, so that running
// Gridline needs no build step and no second deployable. Handler is the one way
// these files reach a browser: the server mounts it, and the tests here exercise
// it; nothing here knows about Echo.
package webwidget

import (
	"embed"
	"io"
	"net/http"
	"path"
	"strings"
)

// Static is the embedded front end; every file sits under "static/", so a file
// is served at "/" + its path ("/static/agent.js").
//
//go:embed static
var Static embed.FS

// Pages maps the public page paths to their files in Static: the one-tag widget
// lives at /widget.js (the path customers paste into their sites), the consoles
// at short, memorable paths.
var Pages = map[string]string{
	"/":          "static/index.html",
	"/widget.js": "static/widget.js",
	"/agent":     "static/agent.html",
	"/admin":     "static/admin.html",
}

// Handler serves Pages and everything under /static/. Unknown paths get 404 so
// that the server's own routes and a real not-found stay distinguishable. The
// widget script and the modules it imports are also fetched by other sites'
// pages, so they carry Access-Control-Allow-Origin: module scripts are fetched
// in CORS mode and would fail on a customer's site without it.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := Pages[r.URL.Path]
		if !ok && strings.HasPrefix(r.URL.Path, "/static/") {
			name, ok = strings.TrimPrefix(path.Clean(r.URL.Path), "/"), true
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := Static.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		info, err := f.Stat()
		rs, seekable := f.(io.ReadSeeker)
		if err != nil || info.IsDir() || !seekable {
			http.NotFound(w, r)
			return
		}
		ext := path.Ext(name)
		if ext == ".js" || ext == ".css" {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		// Set here rather than guessed from the system's MIME table, which on
		// some hosts calls .js text/plain — and browsers refuse such modules.
		if ct, ok := contentTypes[ext]; ok {
			w.Header().Set("Content-Type", ct)
		}
		// A deploy changes the files together; revalidate rather than mix versions.
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, name, info.ModTime(), rs)
	})
}

// contentTypes are the types of the files Static holds.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".json": "application/json",
}
