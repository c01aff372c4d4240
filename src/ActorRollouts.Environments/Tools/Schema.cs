using System.Text.Json;

namespace ActorRollouts.Environments.Tools;

/// <summary>JSON schemas of tool parameters, written once as JSON text.</summary>
internal static class Schema
{
    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The names a schema declares, for rejecting unknown parameters.</summary>
    public static IReadOnlySet<string> PropertyNames(JsonElement schema) =>
        schema.TryGetProperty("properties", out var p) ? p.EnumerateObject().Select(x => x.Name).ToHashSet() : new HashSet<string>();
}
