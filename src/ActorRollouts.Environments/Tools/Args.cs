using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary>Reads tool arguments; a missing or mistyped one is an E_VALIDATION the model can act on.</summary>
internal static class Args
{
    public static string RequiredString(JsonElement args, string name, bool allowEmpty = true) =>
        args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && (allowEmpty || v.GetString()!.Length > 0)
            ? v.GetString()!
            : throw Invalid(args, name, allowEmpty ? "a string" : "a non-empty string");

    /// <summary>A required string parameter as its JSON value, for text too large to make a string of.</summary>
    public static JsonElement RequiredStringValue(JsonElement args, string name) =>
        args.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v : throw Invalid(args, name, "a string");

    public static string? OptionalString(JsonElement args, string name) =>
        !args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw Invalid(args, name, "a string");

    public static int? OptionalInt(JsonElement args, string name, int min) =>
        !args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min ? n
        : throw Invalid(args, name, $"a whole number of at least {min}");

    public static bool OptionalBool(JsonElement args, string name) =>
        !args.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? false
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : throw Invalid(args, name, "true or false");

    private static ToolFailure Invalid(JsonElement args, string name, string expected) =>
        new(ErrorCodes.Validation, args.TryGetProperty(name, out var v)
            ? $"Parameter '{name}' must be {expected}, got {Describe(v)}."
            : $"Parameter '{name}' is required ({expected}).");

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
