package demo

import "github.com/octoacme/flightdeck/model"

// The words of the demo history: services, people and what they write.
// Everything here is made up; nothing is secret.

type demoService struct {
	name     string
	weight   float64
	team     []string
	calver   bool // versions like 2026.03.14-2 instead of v3.12.1
	major    int  // first major version (semver services)
	strategy [4]float64
	titles   []string // incident titles
	causes   []string // root causes
}

// Strategy weights are in model.Strategies order: canary, blue-green,
// feature-flag, all-at-once.
var demoServices = []demoService{
	{name: "checkout-api", weight: 20, team: []string{"erin", "dmitri", "lena"}, major: 2,
		strategy: [4]float64{70, 15, 10, 5},
		titles: []string{"Checkout returns 500s for some carts", "Checkout p99 latency above 2s",
			"Orders stuck in pending after payment", "Promo codes rejected at checkout", "Cart totals off by tax rounding"},
		causes: []string{"connection pool exhausted after a config change", "N+1 query in the new cart summary",
			"retry storm against the payments client", "tax rounding change in the pricing library"}},
	{name: "payments", weight: 12, team: []string{"priya", "mo", "kenji"}, major: 4,
		strategy: [4]float64{45, 40, 0, 15},
		titles: []string{"Card authorisations failing for one acquirer", "Refunds delayed", "Duplicate charge reports",
			"3-D Secure challenge loop"},
		causes: []string{"acquirer certificate rotated without notice", "idempotency key not forwarded on retry",
			"timeout lowered below the acquirer's p99", "queue consumer stuck on a poison message"}},
	{name: "web", weight: 25, team: []string{"farah", "gus", "alice"}, calver: true,
		strategy: [4]float64{25, 10, 50, 15},
		titles: []string{"Blank page on Safari for some users", "Product images not loading", "Login button unresponsive on mobile",
			"Search box broken on the home page", "Layout broken in dark mode"},
		causes: []string{"bundle split broke a polyfill for older Safari", "CDN cache key change", "CSP header blocked an inline script",
			"feature flag default flipped in the wrong environment"}},
	{name: "search", weight: 15, team: []string{"hana", "ivan", "jo"}, calver: true,
		strategy: [4]float64{40, 20, 20, 20},
		titles: []string{"Search results empty for some queries", "Search latency doubled", "Stale results after catalogue update",
			"Typo tolerance stopped working"},
		causes: []string{"index alias pointed at a half-built index", "analyzer change dropped stemming", "shard rebalancing during peak",
			"reindex job lagging behind the catalogue"}},
	{name: "auth", weight: 10, team: []string{"bob", "carol", "kenji"}, major: 1,
		strategy: [4]float64{55, 30, 0, 15},
		titles: []string{"Users logged out unexpectedly", "Password reset emails not arriving", "SSO login failing for one tenant",
			"Token refresh returning 401"},
		causes: []string{"session key rotation without overlap", "clock skew on one node broke token validation",
			"SAML metadata expired", "rate limit too tight on token refresh"}},
	{name: "notifications", weight: 18, team: []string{"jo", "mo", "alice"}, calver: true,
		strategy: [4]float64{30, 10, 20, 40},
		titles: []string{"Push notifications delayed", "Order confirmation emails duplicated", "SMS provider errors",
			"Notification preferences ignored"},
		causes: []string{"worker autoscaling capped too low", "retry without deduplication", "provider API version deprecated",
			"preferences cache not invalidated"}},
}

// Who else appears: on-call rotates weekly through everyone.
var (
	demoPeople   = []string{"alice", "bob", "carol", "dmitri", "erin", "farah", "gus", "hana", "ivan", "jo", "kenji", "lena", "mo", "priya"}
	demoEngLeads = []string{"sam", "rita"}
	demoDirector = "victor"
	demoSecurity = "sofia"
	demoBot      = "deploy-bot"
)

// n/a reasons by item text; items not listed are always done.
var demoNAReasons = map[string][]string{
	"Database migrations tested and rollback plan documented":                    {"no schema change", "no migrations in this release"},
	"Infrastructure changes reviewed and approved (IaC/Terraform plans)":         {"no infrastructure change"},
	"Customer-facing communication prepared (if needed for downtime)":            {"no downtime expected", "no user-facing change"},
	"Dependent teams notified of deployment (if applicable)":                     {"no dependent changes"},
	"Key metrics and alerts configured for new features":                         {"no new features, fixes only"},
	"Release notes drafted with changes and known issues":                        {"hotfix, release notes follow", "internal change only"},
	"Configuration changes documented and peer-reviewed":                         {"no configuration change"},
	"Dashboards updated to track deployment health":                              {"existing dashboards cover it"},
	"Gradually roll out to production (if using progressive delivery)":           {"all-at-once deployment"},
	"Documentation updated (runbooks, architecture diagrams)":                    {"no runbook changes"},
	"Confirm backup/snapshot of production data completed":                       {"stateless service"},
	"Environment variables and secrets properly configured":                      {"no new variables"},
	"Key business metrics stable (e.g., transaction volume, API response times)": {"off-peak, volume too low to judge"},
	"User-facing features validated manually":                                    {"no user-facing change"},
	"Resource capacity validated (CPU, memory, storage, network)":                {"no capacity change"},
	"Deployment time scheduled and communicated to stakeholders":                 {"routine deploy window"},
	"Set deployment status in communication channels (e.g., Slack)":              {"posted by the pipeline"},
	"Performance monitoring enabled (APM tools)":                                 {"APM already on for this service"},
	"Error tracking configured (e.g., Sentry, Rollbar)":                          {"already configured"},
	"Security scans completed (SAST, dependency vulnerabilities)":                {"scan runs nightly, last run clean"},
	"Monitor key metrics for 10-15 minutes in staging/canary":                    {"blue-green: validated on green instead"},
	"Run smoke tests on staging/canary deployment":                               {"covered by green validation"},
	"Deploy to staging/canary environment first":                                 {"hotfix straight to production, approved"},
	"Logging instrumentation in place for debugging":                             {"no new code paths"},
	"Verify critical user flows are working as expected":                         {"backend-only change"},
	"Review rollback procedure and ensure it's tested":                           {"standard rollback, tested last week"},
	"Build artifacts versioned and tagged appropriately":                         {"tagged by the pipeline"},
	"Rollback plan documented and reviewed with team":                            {"standard rollback"},
	"On-call engineer identified and available during deployment":                {"I am on call"},
	"Code reviewed and approved by required reviewers":                           {"pair-programmed, reviewed live"},
	"All automated tests passing in CI":                                          {"CI green, see pipeline"},
	"Verify deployment window and change freeze status":                          {"checked by the pipeline"},
	"Smoke tests passed in production":                                           {"covered by synthetic checks"},
	"No spike in error rates or alerts triggered":                                {"watched on the dashboard"},
	"Announce rollback decision to team and stakeholders":                        {"announced in the incident channel"},
	"Schedule postmortem meeting within 24-48 hours":                             {"covered by the incident postmortem"},
	"Document root cause and action items in incident report":                    {"in the incident report"},
	"Execute rollback procedure (revert deployment, restore database if needed)": {"reverted by the pipeline"},
	"Monitor for 15 minutes to confirm stability":                                {"watched by the on-call"},
	"Verify previous version is running correctly":                               {"verified by synthetic checks"},
	"Deploy code with feature disabled":                                          {"n/a"},
}

var demoItemNotes = []string{
	"CI run 7731 green", "reviewed by two people", "Snyk clean", "tagged by the pipeline", "see the release ticket",
	"plan reviewed in #infra", "dashboards linked in the release ticket", "on-call knows", "smoke suite 42/42",
}

var demoAbortReasons = []string{
	"error rate climbing on the canary", "latency regression on the canary", "customer reports in support",
	"checkout conversion dropped", "memory growing on the new pods", "",
}

var demoDeclarations = []struct {
	criterion model.Criterion
	reasons   []string
}{
	{model.CriterionCriticalBroken, []string{"checkout button does nothing for some users", "login loop for SSO users", "orders not created"}},
	{model.CriterionPerformance, []string{"p99 latency doubled on the canary", "page load 3s slower on mobile"}},
	{model.CriterionSecurity, []string{"dependency with a known CVE shipped", "debug endpoint exposed"}},
}

var demoIncidentNotes = []string{
	"alert fired: error rate above threshold", "looking at the dashboards", "correlates with the last deploy",
	"support reports matching complaints", "rolled traffic away from the bad pods", "reproduced in staging",
	"found the failing dependency", "scaling up as a stop-gap", "fix is in review", "monitoring after the fix",
	"customer impact limited to one region", "no data loss confirmed",
}

var demoActionItems = []string{
	"add an alert on this failure mode", "add a canary check for this path", "write a runbook entry",
	"add an integration test", "review timeouts with the owning team", "postmortem on Thursday",
}

var demoEscalationReasons = []string{"customer impact growing fast", "need a decision on a rollback", "second service affected"}
