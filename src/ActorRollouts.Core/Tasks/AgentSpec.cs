using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Core.Tasks;

/// <summary>A task's own agent program, run instead of the built-in loop (<c>"agent": {"command": [...], "env": {...},
/// "timeout_s": 600, "network": false, "model_from_agent": false}</c>). It runs in the session's sandbox and reaches the
/// model only through the session's gateway. <paramref name="Network"/> gives it the host's network as well;
/// <paramref name="ModelFromAgent"/> sends the model the agent names instead of the fleet's.</summary>
public sealed record AgentSpec(
    ImmutableList<string> Command,
    ImmutableSortedDictionary<string, string>? Env = null,
    int TimeoutSeconds = AgentSpec.DefaultTimeoutSeconds,
    bool Network = false,
    bool ModelFromAgent = false)
{
    public const int DefaultTimeoutSeconds = 3600;

    private static readonly string[] Fields = ["command", "env", "timeout_s", "network", "model_from_agent"];

    /// <summary>Variables the engine sets itself: a task cannot replace them (the gateway's address and token above all).</summary>
    public static readonly ImmutableHashSet<string> ReservedVariables =
        ["OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_API_KEY", "AGENT_PROMPT", "AGENT_WORKSPACE"];

    /// <summary>The task's <c>agent</c> field, or null; every problem names the line and the field.</summary>
    public static AgentSpec? Parse(JsonElement root, string where)
    {
        if (!root.TryGetProperty("agent", out var agent) || agent.ValueKind == JsonValueKind.Null) return null;
        where += ": agent";
        if (agent.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: must be an object like {{\"command\": [\"node\", \"agent.mjs\"]}}.");
        foreach (var property in agent.EnumerateObject())
            if (!Fields.Contains(property.Name))
                throw new TaskFileException($"{where}: unknown field '{property.Name}' (known: {string.Join(", ", Fields)}).");
        if (!agent.TryGetProperty("command", out var command) || command.ValueKind != JsonValueKind.Array || command.GetArrayLength() == 0
            || command.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String || a.GetString()!.Length == 0))
            throw new TaskFileException($"{where}: 'command' must be a non-empty array of strings, like [\"python3\", \"agent.py\"].");
        return new AgentSpec(
            [.. command.EnumerateArray().Select(a => a.GetString()!)],
            ReadEnv(agent, where),
            ReadTimeout(agent, where),
            Bool(agent, "network", where),
            Bool(agent, "model_from_agent", where));
    }

    private static ImmutableSortedDictionary<string, string>? ReadEnv(JsonElement agent, string where)
    {
        if (!agent.TryGetProperty("env", out var env) || env.ValueKind == JsonValueKind.Null) return null;
        if (env.ValueKind != JsonValueKind.Object || env.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            throw new TaskFileException($"{where}: 'env' must be an object of strings.");
        if (env.EnumerateObject().Select(p => p.Name).FirstOrDefault(ReservedVariables.Contains) is { } reserved)
            throw new TaskFileException($"{where}: 'env' may not set {reserved}: the engine sets it (to the session's gateway).");
        return env.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    private static int ReadTimeout(JsonElement agent, string where) =>
        !agent.TryGetProperty("timeout_s", out var t) || t.ValueKind == JsonValueKind.Null ? DefaultTimeoutSeconds
        : t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var seconds) && seconds >= 1 ? seconds
        : throw new TaskFileException($"{where}: 'timeout_s' must be a whole number of seconds, at least 1.");

    private static bool Bool(JsonElement agent, string field, string where) =>
        !agent.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null ? false
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw new TaskFileException($"{where}: '{field}' must be true or false.");
}
