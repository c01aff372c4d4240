#!/bin/sh
# Runs Codex CLI (`codex exec`, the binary from @openai/codex beside this script) as an agent session: its model provider
# is the session's gateway ($OPENAI_BASE_URL, its key in $OPENAI_API_KEY), on the Responses API. Its own sandbox and
# approvals are off (the session's sandbox holds it); so are the tools the gateway cannot forward (multi-agent namespaces,
# hosted web search) and the plugins, which would sync from the internet.
export CODEX_HOME="${CODEX_HOME:-/tmp/codex-home}"
mkdir -p "$CODEX_HOME"
exec "$(dirname "$0")/codex" exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --ephemeral --json \
  --disable plugins --disable multi_agent --disable goals -c web_search=disabled \
  -c model_provider=gateway -c model=actor-rollouts \
  -c model_providers.gateway.name=gateway -c "model_providers.gateway.base_url=\"$OPENAI_BASE_URL\"" \
  -c model_providers.gateway.env_key=OPENAI_API_KEY -c model_providers.gateway.wire_api=responses \
  "$AGENT_PROMPT" </dev/null
