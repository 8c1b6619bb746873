package config

// ExampleConfig is what `flightdeck config example` prints; it is also
// testdata/config.example.yaml, which a test loads, so it always validates.
const ExampleConfig = `# flightdeck configuration: ~/.config/flightdeck/config.yaml
# ($XDG_CONFIG_HOME/flightdeck/config.yaml), or --config PATH, or
# $FLIGHTDECK_CONFIG. Every key is optional: what you leave out keeps the
# seed's default. Check it with: flightdeck config check

# The database, when --db and $FLIGHTDECK_DB do not say: a SQLite file (a
# path, relative to this file; the default is
# ~/.local/share/flightdeck/flightdeck.db) or, for a team on several
# hosts, a PostgreSQL database. Keep the password out of this file: put it
# in ~/.pgpass (mode 600) or PGPASSWORD. A password written here makes the
# file a secret (chmod 600).
# db: postgres://alice@db.internal:5432/flightdeck

# Who fills each escalation role. Roles match the steps below by full name
# or short name (On-call, Eng Lead, Director, Security).
roster:
  On-call DevOps Engineer: Priya Raman
  Engineering Lead: Sam Okafor
  Product/Engineering Director: Dana Whitfield
  Security Lead: Lee Novak

# Logins (the SSH user, or $USER / --as) and the names the timeline shows.
# Viewers get a read-only dashboard over SSH (flightdeck serve).
users:
  priya:
    name: Priya Raman
  sam:
    name: Sam Okafor
  exec-screen:
    name: War room screen
    viewer: true

# The escalation ladder, in order (this is the seed's). trigger is when the
# clock starts: at-open, after-major (the incident became SEV1/SEV2),
# manual (only when someone escalates to it) or security (flagged
# security-related). delay is a duration such as 15m or 1h30m; severities
# limits the automatic schedule (any step can still be reached by hand).
escalation:
  - role: On-call DevOps Engineer
    trigger: at-open
  - role: Engineering Lead
    trigger: after-major
    delay: 15m
    severities: [SEV1, SEV2]
  - role: Product/Engineering Director
    trigger: after-major
    delay: 45m          # 30 minutes after the Engineering Lead was due
    severities: [SEV1]
  - role: Security Lead
    trigger: security
    # person: Lee Novak  # a person here wins over the roster

# Rollout stages per strategy (canary, blue-green, feature-flag,
# all-at-once). A strategy listed here gets exactly these stages. A stage
# named like one of the seed's (canary-5, canary-25, canary-50, canary-100;
# deploy-green, validate-green, switch-traffic, keep-blue; dark, internal,
# segments, everyone; all) starts from it, so only what you write changes.
# A new stage needs a label; its soak defaults to 15m.
strategies:
  canary:
    - name: canary-5
      soak: 30m         # the seed says monitor 15-30 minutes
    - name: canary-25
    - label: 75%
      percent: 75
      soak: 20m
    - name: canary-100
  all-at-once:
    - name: all
      soak: 20m

# When the error rate alone meets the rollback criteria. kind: points
# (percentage points above baseline: 1% -> 6.1% is 5.1 points; the seed's
# rule is more than 5 points) or relative (percent of the baseline:
# 2% -> 3% is 50% above).
rollback_rule:
  kind: points
  threshold: 5

# A promote or finish without a reason needs a health reading taken during
# the current stage and no older than this (10s to 24h; default 5m). An
# older reading, or a probe failing since, shows health as unknown.
rollout:
  health_max_age: 5m

# How often stakeholders get an update while an incident is SEV1 / SEV2
# (0 or off: no reminder).
updates:
  sev1: 30m
  sev2: 1h

# The seed's Resources, shown in the dashboard and the incident report.
links:
  - name: Runbooks
    url: https://wiki.example.com/ops/runbooks
  - name: Infrastructure Docs
    url: https://wiki.example.com/platform/architecture
  - name: Monitoring Dashboards
    url: https://grafana.example.com/d/checkout
  - name: On-Call Schedule
    url: https://example.pagerduty.com/schedules/P123ABC

# A command that prints the current error rate in percent ("2.4" or
# "2.4%"), run every interval during a rollout for each deployment, with
# FLIGHTDECK_DEPLOYMENT, _SERVICE, _VERSION and _ENVIRONMENT set. The first
# reading needs a baseline:
#   flightdeck deploy health --error-rate PCT --baseline PCT
# Bad output, a non-zero exit or a timeout is shown as such, never as 0%.
# The command is a list (program, then each argument): no shell is involved.
# A relative path is relative to this file.
probe:
  command: [/usr/local/bin/error-rate, --window, 5m]
  interval: 30s
  timeout: 10s
# Or ask Prometheus (an instant query through its HTTP API). The query is a
# template: {{.Service}}, {{.Version}}, {{.Environment}}, {{.Stage}} and
# {{.Deployment}} are escaped for a PromQL string, so put them in quotes.
# It returns a ratio (0.024 is 2.4%; unit: percent if it returns 2.4). No
# series, several, NaN, a query error or no answer is a failed reading
# (health unknown), never 0%. Without baseline_query the baseline is the
# one recorded by hand, as for the command.
# probe:
#   type: prometheus
#   url: http://prometheus.internal:9090
#   query: >-
#     (sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[5m]))
#     / sum(rate(http_requests_total{service="{{.Service}}"}[5m])))
#     and on() count(http_requests_total{service="{{.Service}}"})
#   baseline_query: >-
#     sum(rate(http_requests_total{service="{{.Service}}",code=~"5.."}[1h] offset 1d))
#     / sum(rate(http_requests_total{service="{{.Service}}"}[1h] offset 1d))
#   interval: 15s
#   timeout: 5s
#   bearer_token_env: PROM_TOKEN

# The sender named "command": run for every notice an incident channel
# wants (incidents, escalations, updates, the freeze, rollback decisions)
# and when a stage is ready to promote: once per notice across every
# flightdeck on the database. The event is in environment variables only (FLIGHTDECK_EVENT,
# FLIGHTDECK_MESSAGE, FLIGHTDECK_INCIDENT, …), never spliced into a shell
# string. Keep a 'flightdeck notify --watch' running so a deadline reaches
# someone even when no dashboard is open.
notify:
  command: [/usr/local/bin/flightdeck-notify-chat]
  timeout: 10s

# Where notices go besides the notify command (flightdeck notify --test
# --sender NAME sends a test to one). type: webhook (JSON, schema
# flightdeck.notice.v1, optionally HMAC-signed), slack (also Mattermost and
# Rocket.Chat incoming webhooks), pagerduty (Events API v2) or command.
# events: notice kinds or all (default: the incident channel's; webhook
# all; pagerduty incident_opened, escalation_due, incident_acknowledged,
# incident_resolved); severities limits incident notices (pagerduty
# default SEV1, SEV2). Secrets are best named by environment variable
# (url_env, secret_env, routing_key_env, headers_env); a file holding one
# literally must be chmod 600. Failed deliveries are retried with backoff
# on network errors, 429 and 5xx, never on another 4xx.
# notifications:
#   - name: ops-webhook
#     type: webhook
#     url: https://hooks.example.com/flightdeck
#     secret_env: FLIGHTDECK_WEBHOOK_SECRET
#     headers_env: {Authorization: FLIGHTDECK_WEBHOOK_AUTH}
#   - name: incident-channel
#     type: slack
#     url_env: SLACK_WEBHOOK_URL
#     link: https://flightdeck.example.com/incidents/{ref}
#   - name: pagerduty
#     type: pagerduty
#     routing_key_env: PAGERDUTY_ROUTING_KEY
#     severities: [SEV1, SEV2]
`
