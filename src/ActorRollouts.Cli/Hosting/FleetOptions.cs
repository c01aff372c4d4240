using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Cli.Hosting;

/// <summary>The options <c>run</c> and <c>resume</c> share: what shapes a fleet's sessions (journaled as its
/// <see cref="FleetSettings"/>) and how this process runs it. Each is null unless given, so that a resume changes exactly
/// what its command line names and keeps everything else as the fleet was told.</summary>
public sealed partial class FleetOptions
{
    public const string DefaultModel = "gpt-4o";
    public const string DefaultApiKeyEnv = "OPENAI_API_KEY";
    public const int DefaultConcurrency = 8;

    public readonly Option<string?> Model = new("--model") { Description = $"Model name (a task's 'model' wins). Default {DefaultModel}." };
    public readonly Option<string?> BaseUrl = new("--base-url") { Description = $"OpenAI-compatible API base URL. Default {Endpoint.DefaultOpenAiBaseUrl}." };
    public readonly Option<string?> ApiKeyEnv = new("--api-key-env") { Description = $"Environment variable holding the API key (only its name is journaled). Default {DefaultApiKeyEnv}." };
    public readonly Option<string?> Api = new("--api") { Description = "auto (route by model family; the default), chat or responses; a task's 'api' wins." };
    public readonly Option<string?> ReasoningEffort = new("--reasoning-effort") { Description = "Reasoning effort for Responses models (low, medium, high, …); a -low/-medium/-high suffix on gpt-5.1 names wins." };
    public readonly Option<double?> Temperature = new("--temperature") { Description = "Sampling temperature (Chat Completions only; reasoning models take none)." };
    public readonly Option<int?> MaxOutputTokens = new("--max-output-tokens") { Description = "Output token limit per call (max_completion_tokens / max_output_tokens)." };
    public readonly Option<string?> ExtraBody = new("--extra-body") { Description = "JSON object of extra Chat Completions request fields for vLLM/SGLang, e.g. '{\"top_k\":20}'." };
    public readonly Option<int?> MaxTurns = new("--max-turns") { Description = "Model turns per session unless the task says (default from HOCON: 20)." };
    public readonly Option<string?> Sandbox = new("--sandbox") { Description = "How bash and graders run: bwrap (bubblewrap: no network, system read-only; the default from HOCON) or none." };
    public readonly Option<string?> Confirm = new("--confirm") { Description = "Approvals for tools that need one (delete_file): auto, deny or ask (prompt on the terminal; answers read from stdin)." };
    public readonly Option<int?> MaxConcurrentRequests = new("--max-concurrent-requests") { Description = "Model requests in flight at once per endpoint, across the fleet (default: unlimited)." };
    public readonly Option<int?> Rpm = new("--rpm") { Description = "Requests per minute per endpoint (default: unlimited)." };
    public readonly Option<long?> Tpm = new("--tpm") { Description = "Tokens per minute per endpoint, estimated before a call and corrected by reported usage (default: unlimited)." };
    public readonly Option<long?> BudgetTokens = new("--budget-tokens") { Description = "Stop a session (stop_reason budget) once it used this many tokens, input + output; a task's budget wins." };
    public readonly Option<decimal?> BudgetCostUsd = new("--budget-cost-usd") { Description = "Stop a session once it cost this many dollars (price table in HOCON); a task's budget wins." };
    public readonly Option<double?> BudgetSeconds = new("--budget-seconds") { Description = "Stop a session after this many seconds of running; a task's budget wins." };
    public readonly Option<string?> Tokens = new("--tokens") { Description = "Record the model's tokens for RL: off (the default), capture (the ids and logprobs a vLLM-compatible server reports) or exact (token in, token out)." };
    public readonly Option<int?> TopLogprobs = new("--top-logprobs") { Description = "With --tokens: alternatives per generated token the server is asked for (default 0)." };
    public readonly Option<string?> ToolCallParser = new("--tool-call-parser") { Description = "With --tokens exact: how tool calls are read from the generated text: hermes (Qwen, Hermes: <tool_call>{…}</tool_call>; the default)." };
    public readonly Option<int?> PolicyVersion = new("--policy-version") { Description = "The policy (weights) version every model request is labelled with from now on (an integer; default 0)." };
    public readonly Option<string?> FakeLlm = new("--fake-llm") { Description = "Answer with the built-in scripted model from this script (offline; no key needed). Journaled: resume plays it again." };
    public readonly Option<int?> Concurrency = new("--concurrency") { Description = $"Sessions running at once (run: default {DefaultConcurrency}; resume: as the fleet ran)." };
    public readonly Option<string?> Out = new("--out") { Description = "Trajectories file (default <data-dir>/fleets/<fleet-id>/trajectories.jsonl)." };
    public readonly Option<string?> Watch = new("--watch") { Description = "Stream this session's deltas (text, reasoning, tool arguments) to stderr as they arrive." };
    public readonly Option<bool> View = new("--view") { Description = "Serve the web viewer beside the fleet while it runs (http://127.0.0.1:7878/; see --view-port)." };
    public readonly Option<int> ViewPort = Viewer.ViewerOptions.Port("--view-port");
    public readonly Option<string> DataDir = CommonOptions.DataDir();
    public readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    public readonly Option<string?> Config = CommonOptions.Config();
    public readonly Option<string?> Seeds = new("--seeds") { Description = "Submit the fleet to a rollout cluster (actor-rollouts node) through these members, HOST:PORT[,…]; needs --journal-url." };
    public readonly Option<string> Host = CommonOptions.Host();

    public IEnumerable<Option> All =>
    [
        Model, BaseUrl, ApiKeyEnv, Api, ReasoningEffort, Temperature, MaxOutputTokens, ExtraBody, MaxTurns, Sandbox, Confirm,
        MaxConcurrentRequests, Rpm, Tpm, BudgetTokens, BudgetCostUsd, BudgetSeconds, Tokens, TopLogprobs, ToolCallParser, PolicyVersion, FakeLlm, Concurrency, Out, Watch, View, ViewPort, DataDir, JournalUrl, Config, Seeds, Host,
    ];

    public JournalLocation Journal(ParseResult parse) => JournalLocation.From(parse, DataDir, JournalUrl);

    /// <summary>The viewer's port when <c>--view</c> is given, else null.</summary>
    public int? ViewerPort(ParseResult parse) => parse.GetValue(View) ? parse.GetValue(ViewPort) : null;

    /// <summary>With <c>--seeds</c>, this process as a submitter (a cluster member that hosts no sessions); else null.
    /// What only works in one process is refused here, before anything starts.</summary>
    public Actors.Configuration.ClusterMember? Member(ParseResult parse, JournalLocation journal)
    {
        if (parse.GetValue(Seeds) is not { } seeds) return null;
        if (journal.Url is null)
            throw new UsageException("--seeds: a cluster shares one journal: give --journal-url postgresql://user@host:port/database too.");
        if (parse.GetValue(FakeLlm) is not null)
            throw new UsageException("--seeds: --fake-llm runs the scripted model inside this process, which the nodes cannot reach: " +
                                     "start `actor-rollouts fake-llm --script FILE --port P` and pass --base-url http://HOST:P/v1.");
        if (parse.GetValue(Watch) is not null) throw new UsageException("--seeds: --watch shows the deltas of sessions this process runs, and in a cluster the nodes run them; read a session as it goes with `trace SESSION_ID --journal-url …`.");
        if (parse.GetValue(Confirm) == ConfirmPolicies.Ask) throw new UsageException("--seeds: --confirm ask needs a terminal beside every session; use auto or deny.");
        return CommonOptions.Member(parse.GetValue(Host)!, 0, seeds, hostsSessions: false);
    }

    /// <summary>What the command line sets, checked: a bad value is a usage error before anything starts.</summary>
    public FleetSettingsChange Change(ParseResult parse)
    {
        var api = parse.GetValue(Api);
        if (api is not null && !ApiRouting.IsValid(api)) throw new UsageException($"--api must be auto, chat or responses (got '{api}').");
        var confirm = parse.GetValue(Confirm);
        if (confirm is not null && !ConfirmPolicies.IsValid(confirm)) throw new UsageException($"--confirm must be auto, deny or ask (got '{confirm}').");
        var sandbox = parse.GetValue(Sandbox)?.ToLowerInvariant();
        if (sandbox is not null and not ("bwrap" or "none")) throw new UsageException($"--sandbox must be bwrap or none (got '{sandbox}').");
        if (parse.GetValue(MaxTurns) is < 1) throw new UsageException("--max-turns must be at least 1.");
        if (parse.GetValue(MaxOutputTokens) is < 1) throw new UsageException("--max-output-tokens must be at least 1.");
        if (parse.GetValue(MaxConcurrentRequests) is < 1 || parse.GetValue(Rpm) is < 1 || parse.GetValue(Tpm) is < 1)
            throw new UsageException("--max-concurrent-requests, --rpm and --tpm must be at least 1.");
        if (parse.GetValue(BudgetTokens) is < 1 || parse.GetValue(BudgetCostUsd) is <= 0 || parse.GetValue(BudgetSeconds) is <= 0)
            throw new UsageException("--budget-tokens, --budget-cost-usd and --budget-seconds must be above 0.");
        if (parse.GetValue(Concurrency) is < 1) throw new UsageException("--concurrency must be at least 1.");
        var tokens = parse.GetValue(Tokens)?.ToLowerInvariant();
        if (tokens is not null && !Core.Tokens.TokenModes.IsValid(tokens)) throw new UsageException($"--tokens must be off, capture or exact (got '{tokens}').");
        var parser = parse.GetValue(ToolCallParser)?.ToLowerInvariant();
        if (parser is not null && !Core.Tokens.ToolCallParsers.IsKnown(parser))
            throw new UsageException($"--tool-call-parser must be {Core.Tokens.ToolCallParsers.Hermes} (got '{parser}').");
        if (parse.GetValue(TopLogprobs) is < 0 or > 20) throw new UsageException("--top-logprobs must be between 0 and 20.");
        if (parse.GetValue(PolicyVersion) is < 0) throw new UsageException("--policy-version must be 0 or more.");
        var baseUrl = parse.GetValue(BaseUrl);
        if (baseUrl is not null && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            throw new UsageException($"--base-url '{baseUrl}' is not an http(s) URL.");
        var fakeLlm = parse.GetValue(FakeLlm) is { } script ? Path.GetFullPath(script) : null;
        if (fakeLlm is not null && baseUrl is not null) throw new UsageException("--fake-llm and --base-url exclude each other: the scripted model has its own URL.");
        if (fakeLlm is not null) CommonOptions.LoadScript(fakeLlm); // a broken script is a usage error now, not a failed fleet later
        var budget = new Budget(parse.GetValue(BudgetTokens), parse.GetValue(BudgetCostUsd), parse.GetValue(BudgetSeconds));
        return new FleetSettingsChange(parse.GetValue(Model), baseUrl, api?.ToLowerInvariant(), parse.GetValue(ApiKeyEnv), parse.GetValue(ReasoningEffort),
            parse.GetValue(Temperature), parse.GetValue(MaxOutputTokens), ParseExtraBody(parse.GetValue(ExtraBody)), parse.GetValue(MaxTurns),
            confirm, sandbox, parse.GetValue(MaxConcurrentRequests), parse.GetValue(Rpm), parse.GetValue(Tpm), budget.IsEmpty ? null : budget, fakeLlm,
            tokens, parse.GetValue(TopLogprobs), parse.GetValue(PolicyVersion), parser);
    }

    /// <summary>A new fleet's settings before its command line: our defaults and the HOCON files'.</summary>
    public static FleetSettings Defaults(RolloutSettings hocon) => new(
        DefaultModel, Endpoint.DefaultOpenAiBaseUrl, ApiRouting.Auto, DefaultApiKeyEnv, null, null, null, null,
        hocon.DefaultMaxTurns, hocon.Environment.ConfirmPolicy, hocon.Environment.Options.Sandbox.ToString().ToLowerInvariant(),
        hocon.Gate.MaxConcurrentRequests, hocon.Gate.RequestsPerMinute, hocon.Gate.TokensPerMinute, hocon.DefaultBudget, null);

    /// <summary>A fleet journaled before its settings were: what its plan and today's HOCON say.</summary>
    public static FleetSettings Recorded(FleetState fleet, RolloutSettings hocon)
    {
        var endpoint = fleet.Sessions[0].Endpoint;
        return Defaults(hocon) with
        {
            Model = endpoint.Model, BaseUrl = endpoint.BaseUrl, Api = endpoint.Api, ApiKeyEnv = endpoint.ApiKeyEnv,
            ReasoningEffort = endpoint.ReasoningEffort, Temperature = endpoint.Temperature, MaxOutputTokens = endpoint.MaxOutputTokens,
            ExtraBody = endpoint.ExtraBody, MaxTurns = fleet.Sessions[0].MaxTurns,
        };
    }

    private static ImmutableSortedDictionary<string, JsonElement>? ParseExtraBody(string? json)
    {
        if (json is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UsageException("--extra-body must be a JSON object.");
            var fields = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
            if (fields.Keys.FirstOrDefault(k => !ExtraBodyKey().IsMatch(k)) is { } bad)
                throw new UsageException($"--extra-body field '{bad}' is not a plain field name.");
            return fields.ToImmutableSortedDictionary();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"--extra-body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ExtraBodyKey();
}
