using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Diffs;

namespace ActorRollouts.Environments.Tools;

internal static class ToolData
{
    /// <summary>The per-tool <c>data</c> of a result (exit codes, byte counts, …) as JSON values.</summary>
    public static ImmutableDictionary<string, JsonElement> Of(params (string Key, object Value)[] entries) =>
        entries.ToImmutableDictionary(e => e.Key, e => JsonSerializer.SerializeToElement(e.Value));

    /// <summary>Diff and changed-file list for one file going from <paramref name="before"/> to <paramref name="after"/>
    /// (null: absent).</summary>
    public static (ImmutableList<FileDiff> Diffs, ImmutableList<string> Changed) Change(string relative, string? before, string? after) =>
        ([new FileDiff(relative, UnifiedDiff.Create(relative, before, after))], [relative]);
}
