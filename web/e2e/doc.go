// Package e2e is the web app's browser test (browser_test.go, -tags webapp): a localnet with
// gpunet's programs, the indexer's ingest into a private PostgreSQL, the explorer API and the
// built app on one listener, and run.mjs driving Debian's Chromium through playwright-core.
package e2e
