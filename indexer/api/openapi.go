package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is a JSON Schema (2020-12) object.
type Schema = map[string]any

// Param is one parameter of a route: in the path or the query, with the JSON Schema its
// value must meet (after conversion to the schema's type: "integer" parses a decimal
// integer; anything else stays a string).
type Param struct {
	Name        string
	In          string // "path" or "query"
	Required    bool
	Description string
	Schema      Schema
	Default     any

	compiled *jsonschema.Schema
}

// route is one endpoint: the route table (routes.go) is the one description the router and
// the OpenAPI document are both made from.
type route struct {
	path    string // OpenAPI form: /v1/devices/{key}
	id      string // operationId
	summary string
	params  []Param
	// out is a value of the 200 answer's type (its schema comes from the Go type); nil with
	// text set: the answer is not JSON.
	out  any
	text string // the media type of a non-JSON answer
	// maxAge is the Cache-Control max-age of an answer, in seconds.
	maxAge int
	// cache: the answer depends only on the tables, so it is kept until the ingest moves (cache.go).
	cache  bool
	handle func(c *fiber.Ctx, in input) (any, error)
}

// fiberPath is the route's path in fiber's syntax (:key for {key}).
func (r *route) fiberPath() string {
	return strings.NewReplacer("{", ":", "}", "").Replace(r.path)
}

// input is a request's validated parameters, converted and defaulted.
type input map[string]any

func (in input) str(name string) string {
	v, _ := in[name].(string)
	return v
}

func (in input) int(name string) int64 {
	v, _ := in[name].(int64)
	return v
}

func (in input) has(name string) bool { _, ok := in[name]; return ok }

var printer = message.NewPrinter(language.English)

// compileRoutes compiles each parameter's schema.
func compileRoutes(routes []*route) error {
	for _, r := range routes {
		for i := range r.params {
			p := &r.params[i]
			b, err := json.Marshal(p.Schema)
			if err != nil {
				return err
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return err
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			url := "mem://" + r.id + "/" + p.Name + ".json"
			if err := c.AddResource(url, doc); err != nil {
				return fmt.Errorf("route %s param %s: %w", r.path, p.Name, err)
			}
			if p.compiled, err = c.Compile(url); err != nil {
				return fmt.Errorf("route %s param %s: %w", r.path, p.Name, err)
			}
		}
	}
	return nil
}

// parse validates the request's parameters against r's: an unknown or repeated query
// parameter, a value of the wrong type or outside its schema, a required one missing, each
// is a 400 naming the parameter.
func (r *route) parse(c *fiber.Ctx) (input, error) {
	in := input{}
	known := map[string]*Param{}
	for i := range r.params {
		p := &r.params[i]
		if p.In == "query" {
			known[p.Name] = p
		}
	}
	var bad *Problem
	seen := map[string]bool{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad != nil {
			return
		}
		name := string(k)
		switch {
		case known[name] == nil:
			bad = badParam(name, "unknown query parameter")
		case seen[name]:
			bad = badParam(name, "given more than once")
		}
		seen[name] = true
	})
	if bad != nil {
		return nil, bad
	}
	for i := range r.params {
		p := &r.params[i]
		var raw string
		var present bool
		if p.In == "path" {
			raw, present = c.Params(p.Name), true
		} else if v := c.Context().QueryArgs().Peek(p.Name); v != nil {
			raw, present = string(v), true
		}
		if !present {
			if p.Required {
				return nil, badParam(p.Name, "required")
			}
			if p.Default != nil {
				in[p.Name] = p.Default
			}
			continue
		}
		v, err := p.convert(raw)
		if err != nil {
			return nil, err
		}
		if err := p.compiled.Validate(v); err != nil {
			return nil, badParam(p.Name, explain(err))
		}
		in[p.Name] = v
	}
	return in, nil
}

// convert reads raw as the parameter's schema type.
func (p *Param) convert(raw string) (any, error) {
	if p.Schema["type"] == "integer" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, badParam(p.Name, fmt.Sprintf("%q is not an integer", clip(raw)))
		}
		return n, nil
	}
	return raw, nil
}

// clip shortens a value quoted back in a problem.
func clip(s string) string {
	if len(s) > 48 {
		return s[:48] + "..."
	}
	return s
}

// explain is the innermost reason of a validation error, in words.
func explain(err error) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return ve.ErrorKind.LocalizedString(printer)
}

// document is the OpenAPI 3.1 document of routes.
func document(routes []*route) ([]byte, error) {
	paths := map[string]any{}
	problemRef := map[string]any{"$ref": "#/components/schemas/Problem"}
	problemResponse := func(what string) map[string]any {
		return map[string]any{"description": what, "content": map[string]any{"application/problem+json": map[string]any{"schema": problemRef}}}
	}
	for _, r := range routes {
		var params []any
		for _, p := range r.params {
			s := Schema{}
			for k, v := range p.Schema {
				s[k] = v
			}
			if p.Default != nil {
				s["default"] = p.Default
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Description, "schema": s})
		}
		ok := map[string]any{"description": "OK"}
		if r.out != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.out))}}
		} else {
			ok["content"] = map[string]any{r.text: map[string]any{"schema": Schema{"type": "string"}}}
		}
		op := map[string]any{
			"operationId": r.id,
			"summary":     r.summary,
			"responses": map[string]any{
				"200":     ok,
				"304":     map[string]any{"description": "Not Modified: the answer still has the ETag given in If-None-Match"},
				"4XX":     problemResponse("The request was refused (RFC 9457 problem details)"),
				"default": problemResponse("The explorer cannot answer now (RFC 9457 problem details)"),
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		paths[r.path] = map[string]any{"get": op}
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"info": map[string]any{
			"title":   "gpunet explorer API",
			"version": "1",
			"description": "The gpunet chain as the indexer stored it. Token amounts are u64 base units, which exceed " +
				"JSON's safe integers, so every amount is a decimal string (pattern ^[0-9]+$). Lists page with " +
				"?limit= and the opaque ?cursor= of the previous page's next_cursor (null on the last page). " +
				"Errors are RFC 9457 problem details (application/problem+json).",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": map[string]any{"Problem": schemaOf(reflect.TypeOf(Problem{}))}},
	}
	return json.Marshal(doc)
}

// Amount is a token amount in base units (a u64) as a decimal string.
type Amount string

// SignedAmount is a difference of token amounts, as a decimal string with a sign.
type SignedAmount string

var (
	signedType = reflect.TypeOf(SignedAmount(""))
	amountType = reflect.TypeOf(Amount(""))
	timeType   = reflect.TypeOf(time.Time{})
	rawType    = reflect.TypeOf(json.RawMessage(nil))
)

// schemaOf is the JSON Schema of the JSON encoding/json makes of a value of type t: objects
// close (additionalProperties false) and list every field not omitempty as required; a
// pointer may be null.
func schemaOf(t reflect.Type) Schema {
	switch {
	case t == amountType:
		return Schema{"type": "string", "pattern": "^[0-9]+$", "description": "u64 base units, as a decimal string"}
	case t == signedType:
		return Schema{"type": "string", "pattern": "^-?[0-9]+$", "description": "base units, as a signed decimal string"}
	case t == timeType:
		return Schema{"type": "string", "format": "date-time"}
	case t == rawType:
		return Schema{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return Schema{"anyOf": []any{schemaOf(t.Elem()), Schema{"type": "null"}}}
	case reflect.String:
		return Schema{"type": "string"}
	case reflect.Bool:
		return Schema{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return Schema{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Schema{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return Schema{"type": "number"}
	case reflect.Slice, reflect.Array:
		return Schema{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return Schema{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Interface:
		return Schema{}
	case reflect.Struct:
		props := map[string]any{}
		required := []string{}
		fields(t, props, &required)
		return Schema{"type": "object", "properties": props, "required": required, "additionalProperties": false}
	}
	panic(fmt.Sprintf("api: no schema for %s", t))
}

// serve is r's handler: validate, handle, answer JSON with r's Cache-Control.
func (s *Server) serve(r *route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in, err := r.parse(c)
		if err != nil {
			return err
		}
		if !r.cache || s.cache == nil {
			out, err := r.handle(c, in)
			if err != nil {
				return err
			}
			return s.send(c, r, out)
		}
		ctx, cancel := s.ctx(c)
		state, err := s.ingestState(ctx)
		cancel()
		if err != nil {
			return err
		}
		key := strings.Clone(c.OriginalURL()) // fiber's strings live as long as the request
		if body, _ := s.cache.get(state, key); body != nil {
			return s.send(c, r, rawJSON(body))
		}
		// one computation per answer at a time: requests that come while it runs and find no
		// older answer wait for it (cache.go)
		v, err, _ := s.flight.Do(key, func() (any, error) {
			s.cache.start(state, key)
			defer s.cache.done(key)
			out, err := r.handle(c, in)
			if err != nil {
				return nil, err
			}
			body, raw := out.(rawJSON)
			if !raw {
				if body, err = json.Marshal(out); err != nil {
					return nil, err
				}
			}
			s.cache.put(state, key, body)
			return body, nil
		})
		if err != nil {
			return err
		}
		out := v.(rawJSON)
		return s.send(c, r, out)
	}
}

// send answers out (JSON, or already encoded) with r's Cache-Control.
func (s *Server) send(c *fiber.Ctx, r *route, out any) error {
	{
		if r.maxAge > 0 {
			c.Set(fiber.HeaderCacheControl, "public, max-age="+strconv.Itoa(r.maxAge))
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
		switch v := out.(type) {
		case rawJSON:
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Status(http.StatusOK).Send(v)
		case rawText:
			c.Set(fiber.HeaderContentType, r.text)
			return c.Status(http.StatusOK).Send(v)
		}
		return c.Status(http.StatusOK).JSON(out)
	}
}

// rawJSON is an answer already encoded; rawText one of a non-JSON route.
type (
	rawJSON []byte
	rawText []byte
)

// fields adds the JSON fields of struct type t to props (an embedded struct without a tag
// adds its own, as encoding/json flattens it).
func fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			fields(f.Type, props, required)
			continue
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaOf(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			s = Schema{"allOf": []any{s}, "description": d}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}
