// Package web serves gpunet's web app (web/src, a Vite + React single-page app) from the
// binary: the built app (web/dist, embedded with -tags webapp) or, without the tag, a
// placeholder page that says how to build it, so `go build ./...` works on a fresh clone.
package web

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// apiPrefixes are the paths the app never answers: the API's, the Solana Actions' and the
// daemon's own. Everything else that is a GET or HEAD and not a file of the app is the app's
// index.html, so its client-side routes (/devices/<key>, /jobs/<address>, ...) work on reload.
var apiPrefixes = []string{"/v1/", "/v1", "/healthz", "/metrics", "/actions", "/actions.json", "/.well-known/"}

// isAPI reports whether p belongs to the API rather than to the app.
func isAPI(p string) bool {
	for _, pre := range apiPrefixes {
		if p == pre || (strings.HasSuffix(pre, "/") && strings.HasPrefix(p, pre)) || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}

// Index is the app's index.html (the placeholder's without the webapp tag).
func Index() []byte {
	b, err := fs.ReadFile(files(), "index.html")
	if err != nil {
		panic("web: no index.html embedded: " + err.Error())
	}
	return b
}

// Handler is a fiber middleware that answers the app's GET and HEAD requests: a file of the
// app as it is (hashed assets under /assets/ cached for a year), any other path outside the
// API's with index.html (not cached). Other requests go on to the next handler.
func Handler() fiber.Handler {
	root, index := files(), Index()
	return func(c *fiber.Ctx) error {
		if (c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) || isAPI(c.Path()) {
			return c.Next()
		}
		name := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
		if name != "" && name != "index.html" && fs.ValidPath(name) {
			if body, err := fs.ReadFile(root, name); err == nil {
				ct := mime.TypeByExtension(path.Ext(name))
				if ct == "" {
					ct = http.DetectContentType(body)
				}
				c.Set(fiber.HeaderContentType, ct)
				c.Set("X-Content-Type-Options", "nosniff")
				if strings.HasPrefix(name, "assets/") {
					c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
				} else {
					c.Set(fiber.HeaderCacheControl, "public, max-age=300")
				}
				return c.Send(body)
			}
			if strings.HasPrefix(name, "assets/") {
				return c.Next() // a missing asset is a 404, not the page
			}
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set("X-Content-Type-Options", "nosniff")
		return c.Send(index)
	}
}

// Mount adds Handler to r: the explorer API mounts it (api.Deps.Mount) so the daemon serves the
// app and the API on one listener.
func Mount(r fiber.Router) { r.Use(Handler()) }
