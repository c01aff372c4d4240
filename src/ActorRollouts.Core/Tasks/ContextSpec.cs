using System.Text.Json;

namespace ActorRollouts.Core.Tasks;

/// <summary>How a session keeps within its model's context window (<c>"context": {"window_tokens": 128000, "strategy":
/// "trim", "trigger": 0.85, "keep_last_turns": 4}</c>): before a request would pass <paramref name="Trigger"/> ×
/// <paramref name="WindowTokens"/>, the strategy makes room. <c>none</c> leaves it to the server (which refuses, and the
/// session fails); <c>trim</c> replaces the text of tool results older than the last <paramref name="KeepLastTurns"/> turns
/// with a stub.</summary>
public sealed record ContextSpec(int WindowTokens, string Strategy = ContextSpec.None, double Trigger = 0.85, int KeepLastTurns = 4)
{
    public const string None = "none";
    public const string Trim = "trim";

    private static readonly string[] Fields = ["window_tokens", "strategy", "trigger", "keep_last_turns"];

    /// <summary>The token count past which the session makes room.</summary>
    public int Threshold => (int)(WindowTokens * Trigger);

    public static ContextSpec? Parse(JsonElement root, string where)
    {
        if (!root.TryGetProperty("context", out var context) || context.ValueKind == JsonValueKind.Null) return null;
        where += ": context";
        if (context.ValueKind != JsonValueKind.Object)
            throw new TaskFileException($"{where}: must be an object like {{\"window_tokens\": 128000, \"strategy\": \"trim\"}}.");
        foreach (var property in context.EnumerateObject())
            if (!Fields.Contains(property.Name))
                throw new TaskFileException($"{where}: unknown field '{property.Name}' (known: {string.Join(", ", Fields)}).");
        var window = context.TryGetProperty("window_tokens", out var w) && w.ValueKind == JsonValueKind.Number && w.TryGetInt32(out var tokens) && tokens >= 256
            ? tokens : throw new TaskFileException($"{where}: 'window_tokens' is required: the model's context in tokens (at least 256).");
        var strategy = context.TryGetProperty("strategy", out var s) && s.ValueKind != JsonValueKind.Null
            ? s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new TaskFileException($"{where}: 'strategy' must be a string.")
            : None;
        if (strategy is "summarize" or "native")
            throw new TaskFileException($"{where}: strategy '{strategy}' is not built yet; use \"trim\" or \"none\".");
        if (strategy is not (None or Trim))
            throw new TaskFileException($"{where}: 'strategy' must be \"none\" or \"trim\" (got '{strategy}').");
        var trigger = context.TryGetProperty("trigger", out var t) && t.ValueKind != JsonValueKind.Null
            ? t.ValueKind == JsonValueKind.Number && t.GetDouble() is > 0 and <= 1 ? t.GetDouble() : throw new TaskFileException($"{where}: 'trigger' must be a fraction above 0, at most 1.")
            : 0.85;
        var keep = context.TryGetProperty("keep_last_turns", out var k) && k.ValueKind != JsonValueKind.Null
            ? k.ValueKind == JsonValueKind.Number && k.TryGetInt32(out var turns) && turns >= 0 ? turns : throw new TaskFileException($"{where}: 'keep_last_turns' must be a whole number, 0 or more.")
            : 4;
        return new ContextSpec(window, strategy, trigger, keep);
    }
}
