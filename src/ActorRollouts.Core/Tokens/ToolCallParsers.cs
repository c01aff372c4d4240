using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tokens;

/// <summary>What a model wrote as plain text (token in, token out: no server parses it), split into its reasoning, its
/// words and its tool calls.</summary>
public sealed record ParsedText(string? Content, string? Reasoning, ImmutableList<ToolCall> Calls);

/// <summary>Tool-call parsers by model family (<c>--tool-call-parser</c>). <c>hermes</c>: the
/// <c>&lt;tool_call&gt;{"name": …, "arguments": {…}}&lt;/tool_call&gt;</c> blocks Qwen and Hermes models write, with an
/// optional leading <c>&lt;think&gt;…&lt;/think&gt;</c>. A block that is not valid JSON still becomes a call — named
/// <see cref="InvalidCall"/>, its text as arguments — so the environment answers it with an error the model can read and
/// the session goes on.</summary>
public static partial class ToolCallParsers
{
    public const string Hermes = "hermes";
    public const string InvalidCall = "invalid_tool_call";

    public static bool IsKnown(string parser) => parser is Hermes;

    [GeneratedRegex(@"<tool_call>(.*?)(?:</tool_call>|\z)", RegexOptions.Singleline)]
    private static partial Regex ToolCallBlock();

    [GeneratedRegex(@"^\s*<think>(.*?)</think>\s*", RegexOptions.Singleline)]
    private static partial Regex ThinkBlock();

    /// <summary>Parses <paramref name="text"/>; calls get ids <c>call_{turn}_{index}</c>, unique in the session.</summary>
    public static ParsedText Parse(string parser, string text, int turn)
    {
        if (!IsKnown(parser)) throw new ArgumentException($"Unknown tool-call parser '{parser}' (known: {Hermes}).", nameof(parser));
        string? reasoning = null;
        if (ThinkBlock().Match(text) is { Success: true } think)
        {
            reasoning = think.Groups[1].Value.Trim();
            text = text[think.Length..];
        }
        var blocks = ToolCallBlock().Matches(text);
        var calls = blocks.Select((block, i) => Call(block.Groups[1].Value.Trim(), $"call_{turn}_{i}")).ToImmutableList();
        var content = ToolCallBlock().Replace(text, "").Trim();
        return new ParsedText(content.Length > 0 ? content : null, string.IsNullOrEmpty(reasoning) ? null : reasoning, calls);
    }

    private static ToolCall Call(string json, string id)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } tool)
            {
                var arguments = root.TryGetProperty("arguments", out var args)
                    ? args.ValueKind == JsonValueKind.String ? args.GetString()! : args.GetRawText() // some models write the arguments as a string
                    : "{}";
                return new ToolCall(id, tool, new ToolArguments(Encoding.UTF8.GetBytes(arguments)));
            }
        }
        catch (JsonException)
        {
        }
        return new ToolCall(id, InvalidCall, new ToolArguments(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text = json }))));
    }
}
