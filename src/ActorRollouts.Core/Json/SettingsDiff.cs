using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRollouts.Core.Json;

/// <summary>Field-by-field differences between two settings records, in the journal's own JSON shape:
/// <c>confirm_policy: "deny" → "auto"</c>. Compared as JSON, so collections compare by content, not by reference.</summary>
public static class SettingsDiff
{
    public static ImmutableList<string> Describe<T>(T? before, T? after, string prefix = "") where T : class
    {
        var old = JsonSerializer.SerializeToNode(before, RolloutJson.Listing) as JsonObject ?? [];
        var now = JsonSerializer.SerializeToNode(after, RolloutJson.Listing) as JsonObject ?? [];
        return old.Select(p => p.Key).Union(now.Select(p => p.Key))
            .Select(key => (key, Before: Text(old[key]), After: Text(now[key])))
            .Where(f => f.Before != f.After)
            .Select(f => $"{prefix}{f.key}: {f.Before} → {f.After}")
            .ToImmutableList();
    }

    public static bool Same<T>(T? a, T? b) =>
        JsonSerializer.Serialize(a, RolloutJson.Listing) == JsonSerializer.Serialize(b, RolloutJson.Listing);

    private static string Text(JsonNode? node) => node?.ToJsonString(RolloutJson.Options) ?? "null";
}
