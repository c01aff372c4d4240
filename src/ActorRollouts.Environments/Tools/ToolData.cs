using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Environments.Tools;

internal static class ToolData
{
    /// <summary>The per-tool <c>data</c> of a result (exit codes, byte counts, …) as JSON values.</summary>
    public static ImmutableSortedDictionary<string, JsonElement> Of(params (string Key, object? Value)[] entries) =>
        entries.ToImmutableSortedDictionary(e => e.Key, e => JsonSerializer.SerializeToElement(e.Value), StringComparer.Ordinal);
}
