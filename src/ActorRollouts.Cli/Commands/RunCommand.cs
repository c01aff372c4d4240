using System.Collections.Immutable;
using System.CommandLine;
using System.Text.RegularExpressions;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Cli.Output;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;
using ActorRollouts.FakeLlm;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;
using Spectre.Console;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>run TASKS.jsonl</c>: plan a fleet (tasks × samples), run it with a concurrency limit, journal everything,
/// write the trajectories file and print a summary.</summary>
public static partial class RunCommand
{
    private static readonly Argument<string> Tasks = new("tasks") { Description = "Task file (JSON Lines, one task per line)." };
    private static readonly Option<string> Model = new("--model") { Description = "Model name (a task's 'model' wins).", DefaultValueFactory = _ => "gpt-4o" };
    private static readonly Option<string?> BaseUrl = new("--base-url") { Description = $"OpenAI-compatible API base URL (default {Endpoint.DefaultOpenAiBaseUrl})." };
    private static readonly Option<string> ApiKeyEnv = new("--api-key-env") { Description = "Environment variable holding the API key.", DefaultValueFactory = _ => "OPENAI_API_KEY" };
    private static readonly Option<int> Concurrency = new("--concurrency") { Description = "Sessions running at once.", DefaultValueFactory = _ => 8 };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> FleetId = new("--fleet-id") { Description = "Fleet id (default: a new one). An existing fleet continues." };
    private static readonly Option<string?> Out = new("--out") { Description = "Trajectories file (default <data-dir>/fleets/<fleet-id>/trajectories.jsonl)." };
    private static readonly Option<int?> MaxTurns = new("--max-turns") { Description = "Model turns per session unless the task says (default from HOCON: 20)." };
    private static readonly Option<string?> FakeLlmScript = new("--fake-llm") { Description = "Answer with the built-in scripted model from this script (offline; no key needed)." };
    private static readonly Option<string?> Config = CommonOptions.Config();
    private static readonly Option<string> Api = new("--api") { Description = "auto (route by model family), chat or responses; a task's 'api' wins.", DefaultValueFactory = _ => "auto" };
    private static readonly Option<string?> ReasoningEffort = new("--reasoning-effort") { Description = "Reasoning effort for Responses models (low, medium, high, …); a -low/-medium/-high suffix on gpt-5.1 names wins." };
    private static readonly Option<double?> Temperature = new("--temperature") { Description = "Sampling temperature (Chat Completions only; reasoning models take none)." };
    private static readonly Option<int?> MaxOutputTokens = new("--max-output-tokens") { Description = "Output token limit per call (max_completion_tokens / max_output_tokens)." };
    private static readonly Option<string?> ExtraBody = new("--extra-body") { Description = "JSON object of extra Chat Completions request fields for vLLM/SGLang, e.g. '{\"top_k\":20}'." };
    private static readonly Option<string?> Sandbox = new("--sandbox") { Description = "How bash runs: bwrap (bubblewrap: no network, system read-only; the default from HOCON) or none." };
    private static readonly Option<string?> Confirm = new("--confirm") { Description = "Approvals for tools that need one (delete_file): auto, deny or ask (prompt on the terminal; answers read from stdin)." };
    private static readonly Option<string?> Watch = new("--watch") { Description = "Stream this session's deltas (text, reasoning, tool arguments) to stderr as they arrive." };
    private static readonly Option<int?> MaxConcurrentRequests = new("--max-concurrent-requests") { Description = "Model requests in flight at once per endpoint, across the fleet (default: unlimited)." };
    private static readonly Option<int?> Rpm = new("--rpm") { Description = "Requests per minute per endpoint (default: unlimited)." };
    private static readonly Option<long?> Tpm = new("--tpm") { Description = "Tokens per minute per endpoint, estimated before a call and corrected by reported usage (default: unlimited)." };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex FleetIdPattern();

    public static Command Create()
    {
        var command = new Command("run", "Run a fleet of rollouts: every task × its samples.")
        {
            Tasks, Model, BaseUrl, ApiKeyEnv, Concurrency, DataDir, FleetId, Out, MaxTurns, FakeLlmScript, Config,
            MaxConcurrentRequests, Rpm, Tpm, Api, ReasoningEffort, Temperature, MaxOutputTokens, ExtraBody, Watch, Sandbox, Confirm,
        };
        command.SetAction((parse, cancel) => RunAsync(parse, cancel));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var concurrency = parse.GetValue(Concurrency);
        if (concurrency < 1) throw new UsageException("--concurrency must be at least 1.");
        if (parse.GetValue(MaxTurns) is < 1) throw new UsageException("--max-turns must be at least 1.");
        if (parse.GetValue(MaxConcurrentRequests) is < 1 || parse.GetValue(Rpm) is < 1 || parse.GetValue(Tpm) is < 1)
            throw new UsageException("--max-concurrent-requests, --rpm and --tpm must be at least 1.");
        var fleetId = parse.GetValue(FleetId) ?? NewFleetId();
        if (!FleetIdPattern().IsMatch(fleetId))
            throw new UsageException($"--fleet-id '{fleetId}' may use only letters, digits, '.', '_' and '-'.");

        var api = parse.GetValue(Api)!;
        if (!ApiRouting.IsValid(api)) throw new UsageException($"--api must be auto, chat or responses (got '{api}').");
        if (parse.GetValue(MaxOutputTokens) is < 1) throw new UsageException("--max-output-tokens must be at least 1.");
        var extraBody = ParseExtraBody(parse.GetValue(ExtraBody));
        var tasks = LoadTasks(parse.GetValue(Tasks)!);
        var script = parse.GetValue(FakeLlmScript) is { } scriptPath ? CommonOptions.LoadScript(scriptPath) : null;
        var apiKeyEnv = parse.GetValue(ApiKeyEnv)!;
        var baseUrl = parse.GetValue(BaseUrl);
        if (baseUrl is not null && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out var parsedUrl) && parsedUrl.Scheme is "http" or "https"))
            throw new UsageException($"--base-url '{baseUrl}' is not an http(s) URL.");
        if (script is null) CheckApiKey(baseUrl, apiKeyEnv);

        var paths = new FleetPaths(Path.GetFullPath(parse.GetValue(DataDir)!), fleetId);
        var trajectories = Path.GetFullPath(parse.GetValue(Out) ?? paths.DefaultTrajectories);

        await using var fakeLlm = script is null ? null : await FakeLlmServer.StartAsync(script, cancellationToken: cancel);
        var system = RolloutHost.Start(paths.DataDir, parse.GetValue(Config));
        try
        {
            var settings = WithConfirm(WithSandbox(RolloutSettings.From(system.Settings.Config), parse.GetValue(Sandbox)), parse.GetValue(Confirm));
            var endpoint = new Endpoint(fakeLlm?.BaseUrl.ToString() ?? baseUrl ?? Endpoint.DefaultOpenAiBaseUrl, parse.GetValue(Model)!,
                api, apiKeyEnv, parse.GetValue(ReasoningEffort), parse.GetValue(Temperature), parse.GetValue(MaxOutputTokens), extraBody);
            var sessions = FleetPlanner.Plan(fleetId, tasks,
                new RunDefaults(endpoint, parse.GetValue(MaxTurns) ?? settings.DefaultMaxTurns, [.. ToolCatalog.DefaultToolNames],
                    settings.Environment.ConfirmTools));

            var gate = settings.Gate with
            {
                MaxConcurrentRequests = parse.GetValue(MaxConcurrentRequests) ?? settings.Gate.MaxConcurrentRequests,
                RequestsPerMinute = parse.GetValue(Rpm) ?? settings.Gate.RequestsPerMinute,
                TokensPerMinute = parse.GetValue(Tpm) ?? settings.Gate.TokensPerMinute,
            };
            // A fleet id the journal already knows continues that fleet: its journaled plan wins over the task file.
            var existing = await new JournalReader(system).FleetAsync(fleetId);
            if (existing.IsPlanned)
            {
                Console.Error.WriteLine($"fleet {fleetId} exists: continuing it ({existing.Finished.Count} of {existing.Sessions.Count} sessions finished).");
                sessions = existing.Sessions;
            }
            Console.Error.WriteLine($"fleet {fleetId}: {sessions.Count} sessions ({tasks.Count} tasks), concurrency {concurrency}, model {endpoint.Model} at {endpoint.BaseUrl}");
            Console.Error.WriteLine($"journal {Path.Combine(paths.DataDir, "journal.db")} · trajectories {trajectories}");
            return await FleetRun.ExecuteAsync(new FleetRunRequest(system, settings, paths, trajectories, sessions, concurrency, gate.Limits,
                parse.GetValue(Watch), existing.IsPlanned && (fakeLlm is not null || baseUrl is not null) ? e => e with { BaseUrl = endpoint.BaseUrl } : null), cancel);
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }

    private static RolloutSettings WithConfirm(RolloutSettings settings, string? policy)
    {
        if (policy is null) return settings;
        if (!ConfirmPolicies.IsValid(policy)) throw new UsageException($"--confirm must be auto, deny or ask (got '{policy}').");
        return settings with { Environment = settings.Environment with { ConfirmPolicy = policy } };
    }

    private static RolloutSettings WithSandbox(RolloutSettings settings, string? sandbox)
    {
        if (sandbox is null) return settings;
        SandboxMode mode;
        try
        {
            mode = RolloutSettings.ParseSandbox(sandbox);
        }
        catch (Akka.Configuration.ConfigurationException)
        {
            throw new UsageException($"--sandbox must be bwrap or none (got '{sandbox}').");
        }
        return settings with { Environment = settings.Environment with { Options = settings.Environment.Options with { Sandbox = mode } } };
    }

    private static System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>? ParseExtraBody(string? json)
    {
        if (json is null) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) throw new UsageException("--extra-body must be a JSON object.");
            var fields = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
            if (fields.Keys.FirstOrDefault(k => !ExtraBodyKey().IsMatch(k)) is { } bad)
                throw new UsageException($"--extra-body field '{bad}' is not a plain field name.");
            return fields.ToImmutableSortedDictionary();
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new UsageException($"--extra-body is not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ExtraBodyKey();

    private static IReadOnlyList<TaskDefinition> LoadTasks(string path)
    {
        try
        {
            return TaskFile.Load(path, ToolCatalog.IsKnown);
        }
        catch (TaskFileException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    /// <summary>Against the real OpenAI API a missing key would fail every session one by one: refuse up front.
    /// Local OpenAI-compatible servers need no key (the provider then sends a placeholder).</summary>
    private static void CheckApiKey(string? baseUrl, string apiKeyEnv)
    {
        var isOpenAi = baseUrl is null || new Uri(baseUrl).Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase);
        if (isOpenAi && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(apiKeyEnv)))
            throw new UsageException($"the API key variable {apiKeyEnv} is not set (needed for {baseUrl ?? Endpoint.DefaultOpenAiBaseUrl}). " +
                                     "Set it, pick another with --api-key-env, or run offline with --fake-llm SCRIPT.");
    }

    private static string NewFleetId() => $"fleet-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
}
