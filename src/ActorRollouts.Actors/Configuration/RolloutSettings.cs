using System.Collections.Immutable;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Sandbox;
using Akka.Configuration;

namespace ActorRollouts.Actors.Configuration;

/// <summary>Retry and timeout settings of the provider actor (HOCON <c>actor-rollouts.provider</c>).</summary>
public sealed record ProviderRetrySettings(
    int MaxAttempts, TimeSpan InitialBackoff, TimeSpan MaxBackoff, TimeSpan MaxRetryAfter, TimeSpan RequestTimeout, bool Stream = true)
{
    /// <summary>What the OpenAI clients need of these settings.</summary>
    public global::ActorRollouts.Providers.OpenAI.ProviderSettings Client => new(RequestTimeout, Stream);
}

/// <summary>Endpoint limits (HOCON <c>actor-rollouts.gate</c>); 0 means unlimited.</summary>
public sealed record GateSettings(int MaxConcurrentRequests, int RequestsPerMinute, long TokensPerMinute, TimeSpan Window)
{
    public GateLimits Limits => GateLimits.FromPerMinute(MaxConcurrentRequests, RequestsPerMinute, TokensPerMinute, Window);
}

/// <summary>The environment actor's settings (HOCON <c>actor-rollouts.environment</c>). <paramref name="ExecutorFactory"/>
/// replaces the real tool executor (tests inject failures with it). <paramref name="MaxImageBytes"/>: the largest container
/// image a task may name (its layers as stored); <paramref name="InsecureRegistries"/>: registries (<c>host[:port]</c>)
/// images are pulled from over plain HTTP or unverified TLS; <paramref name="McpStartTimeout"/>: how long an MCP server may
/// take to start and answer <c>initialize</c>.</summary>
public sealed record EnvironmentSettings(
    TimeSpan ToolTimeout,
    EnvironmentOptions Options,
    Func<Workspace, IReadOnlyList<string>, IToolExecutor>? ExecutorFactory = null,
    string ConfirmPolicy = "auto",
    ImmutableList<string>? ConfirmTools = null,
    long MaxImageBytes = ActorRollouts.Environments.Images.ImageStore.DefaultMaxBytes,
    ImmutableList<string>? InsecureRegistries = null,
    TimeSpan? McpStartTimeout = null)
{
    public static readonly TimeSpan DefaultMcpStartTimeout = TimeSpan.FromSeconds(30);

    public TimeSpan McpStartTimeoutOrDefault => McpStartTimeout ?? DefaultMcpStartTimeout;
}

/// <summary>All of <c>actor-rollouts { … }</c>, read once at start.</summary>
public sealed record RolloutSettings(
    ProviderRetrySettings Provider,
    EnvironmentSettings Environment,
    int DefaultMaxTurns,
    int MaxSessionRestarts,
    int MaxSessionRelaunches,
    TimeSpan RelaunchBackoff,
    int SnapshotEvery,
    PriceTable Prices,
    GateSettings Gate,
    Core.Tasks.Budget? DefaultBudget = null,
    int SnapshotsKept = 2)
{
    public static RolloutSettings From(Config config)
    {
        var c = config.GetConfig("actor-rollouts")
                ?? throw new ConfigurationException("The configuration has no 'actor-rollouts' section (hocon/actor-rollouts.conf not loaded?).");
        return new RolloutSettings(
            new ProviderRetrySettings(
                MaxAttempts: Math.Max(1, c.GetInt("provider.max-attempts", 4)),
                InitialBackoff: c.GetTimeSpan("provider.initial-backoff", TimeSpan.FromMilliseconds(500)),
                MaxBackoff: c.GetTimeSpan("provider.max-backoff", TimeSpan.FromSeconds(8)),
                MaxRetryAfter: c.GetTimeSpan("provider.max-retry-after", TimeSpan.FromSeconds(120)),
                RequestTimeout: c.GetTimeSpan("provider.request-timeout", TimeSpan.FromSeconds(120)),
                Stream: c.GetBoolean("provider.stream", true)),
            Environment: new EnvironmentSettings(
                ToolTimeout(c),
                new EnvironmentOptions(
                    ParseSandbox(c.GetString("environment.sandbox", "bwrap")),
                    (c.GetStringList("environment.require-read-first") ?? ["edit_file"]).ToImmutableHashSet(),
                    c.GetInt("environment.output-cap-bytes", 16_384),
                    (int)ToolTimeout(c).TotalSeconds,
                    ReadLimits(c),
                    ReadCeiling(c)),
                ConfirmPolicy: ReadConfirmPolicy(c.GetString("environment.confirm-policy", "auto")),
                ConfirmTools: (c.GetStringList("environment.require-confirmation") ?? ["delete_file"]).ToImmutableList(),
                MaxImageBytes: c.HasPath("environment.max-image-bytes") ? c.GetByteSize("environment.max-image-bytes") ?? ActorRollouts.Environments.Images.ImageStore.DefaultMaxBytes
                    : ActorRollouts.Environments.Images.ImageStore.DefaultMaxBytes,
                InsecureRegistries: (c.GetStringList("environment.insecure-registries") ?? []).ToImmutableList(),
                McpStartTimeout: c.GetTimeSpan("environment.mcp-start-timeout", EnvironmentSettings.DefaultMcpStartTimeout)),
            DefaultMaxTurns: c.GetInt("session.max-turns", 20),
            MaxSessionRestarts: c.GetInt("supervisor.max-session-restarts", 3),
            MaxSessionRelaunches: c.GetInt("supervisor.max-session-relaunches", 3),
            RelaunchBackoff: c.GetTimeSpan("supervisor.relaunch-backoff", TimeSpan.FromMilliseconds(500)),
            SnapshotEvery: Math.Max(1, c.GetInt("session.snapshot-every", 200)),
            Prices: ReadPrices(c),
            Gate: new GateSettings(
                c.GetInt("gate.max-concurrent-requests", 0),
                c.GetInt("gate.requests-per-minute", 0),
                c.GetLong("gate.tokens-per-minute", 0),
                c.GetTimeSpan("gate.window", TimeSpan.FromMinutes(1))),
            ReadBudget(c),
            SnapshotsKept: Math.Max(1, c.GetInt("session.snapshots-kept", 2)));
    }

    /// <summary><c>session.budget { tokens, cost-usd, seconds }</c>: the fleet's default; 0 or absent = none.</summary>
    private static Core.Tasks.Budget? ReadBudget(Config c)
    {
        var tokens = c.GetLong("session.budget.tokens", 0);
        var cost = c.HasPath("session.budget.cost-usd") ? c.GetDecimal("session.budget.cost-usd") : 0m;
        var seconds = c.GetTimeSpan("session.budget.seconds", TimeSpan.Zero).TotalSeconds;
        if (tokens < 0 || cost < 0 || seconds < 0) throw new ConfigurationException("actor-rollouts.session.budget must not be negative (0 = none).");
        var budget = new Core.Tasks.Budget(tokens > 0 ? tokens : null, cost > 0 ? cost : null, seconds > 0 ? seconds : null);
        return budget.IsEmpty ? null : budget;
    }

    private static TimeSpan ToolTimeout(Config c)
    {
        var timeout = c.GetTimeSpan("environment.tool-timeout", TimeSpan.FromSeconds(120));
        return timeout >= TimeSpan.FromSeconds(1)
            ? timeout
            : throw new ConfigurationException($"actor-rollouts.environment.tool-timeout must be at least 1s (got {timeout}).");
    }

    /// <summary><c>environment.limits</c>: byte sizes take HOCON units (<c>2GiB</c>, <c>512MiB</c>); 0 = unlimited.</summary>
    private static CommandLimits ReadLimits(Config c)
    {
        var d = CommandLimits.Default;
        long Bytes(string key, long fallback) => c.HasPath(key) ? c.GetByteSize(key) ?? fallback : fallback;
        var limits = new CommandLimits(
            MemoryBytes: Bytes("environment.limits.memory", d.MemoryBytes),
            Processes: c.GetInt("environment.limits.processes", d.Processes),
            CpuSeconds: (int)c.GetTimeSpan("environment.limits.cpu-time", TimeSpan.FromSeconds(d.CpuSeconds)).TotalSeconds,
            FileBytes: Bytes("environment.limits.file-size", d.FileBytes),
            OpenFiles: c.GetInt("environment.limits.open-files", d.OpenFiles));
        return limits is { MemoryBytes: >= 0, Processes: >= 0, CpuSeconds: >= 0, FileBytes: >= 0, OpenFiles: >= 0 }
            ? limits
            : throw new ConfigurationException("actor-rollouts.environment.limits must not be negative (0 = unlimited).");
    }

    /// <summary><c>environment.limits.all-commands</c>: <c>memory</c> as a share of the host (<c>75%</c>) or a byte size,
    /// <c>processes</c> a count; 0 = no ceiling. Left out: three quarters of the memory, half the process ids.</summary>
    private static CommandCeiling ReadCeiling(Config c)
    {
        const string path = "environment.limits.all-commands";
        var host = CommandCeiling.ForThisHost();
        var memory = !c.HasPath($"{path}.memory") ? host.MemoryBytes
            : CommandCeiling.MemoryShare(c.GetString($"{path}.memory")) ?? c.GetByteSize($"{path}.memory") ?? 0;
        var processes = c.HasPath($"{path}.processes") ? c.GetInt($"{path}.processes") : host.Processes;
        return memory >= 0 && processes >= 0
            ? new CommandCeiling(memory, processes)
            : throw new ConfigurationException($"actor-rollouts.{path} must not be negative (0 = no ceiling).");
    }

    private static string ReadConfirmPolicy(string value) =>
        Sessions.ConfirmPolicies.IsValid(value)
            ? value
            : throw new ConfigurationException($"actor-rollouts.environment.confirm-policy must be auto, deny or ask (got '{value}').");

    /// <summary>What a fleet runs under: its journaled settings over these (which still hold what is not a fleet setting:
    /// retries, timeouts, limits, prices). Null: these as they are.</summary>
    public RolloutSettings Under(Core.Fleets.FleetSettings? fleet) => fleet is null ? this : this with
    {
        Environment = Environment with
        {
            ConfirmPolicy = fleet.ConfirmPolicy,
            Options = Environment.Options with { Sandbox = ParseSandbox(fleet.Sandbox) },
        },
        Gate = Gate with
        {
            MaxConcurrentRequests = fleet.MaxConcurrentRequests, RequestsPerMinute = fleet.RequestsPerMinute, TokensPerMinute = fleet.TokensPerMinute,
        },
    };

    public static SandboxMode ParseSandbox(string value) => value.ToLowerInvariant() switch
    {
        "bwrap" => SandboxMode.Bwrap,
        "none" => SandboxMode.None,
        _ => throw new ConfigurationException($"actor-rollouts.environment.sandbox must be bwrap or none (got '{value}')."),
    };

    /// <summary>Keys are read from the HOCON object directly: model names hold dots ("gpt-4.1") that a config path
    /// would split.</summary>
    private static PriceTable ReadPrices(Config c)
    {
        if (!c.HasPath("prices")) return PriceTable.Empty;
        var prices = c.GetValue("prices").GetObject().Items.ToImmutableDictionary(
            entry => entry.Key,
            entry =>
            {
                var fields = entry.Value.GetObject().Items;
                decimal Price(string field) => fields.TryGetValue(field, out var v)
                    ? v.GetDecimal()
                    : throw new ConfigurationException($"actor-rollouts.prices.\"{entry.Key}\" has no '{field}' (USD per million tokens).");
                return new ModelPrice(Price("input"), Price("cached-input"), Price("output"));
            });
        return new PriceTable(prices);
    }
}
