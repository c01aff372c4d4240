using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>What a request asks of the fake model's tokens (vLLM's fields): the ids (<c>return_token_ids</c>), logprobs
/// with <see cref="TopLogprobs"/> alternatives (null: no logprobs), and tokens written as <c>"token_id:N"</c>
/// (<c>return_tokens_as_token_ids</c>). A request asking for none of them is answered exactly as before.</summary>
internal sealed record TokenOptions(bool ReturnTokenIds, int? TopLogprobs, bool AsTokenIds)
{
    public static readonly TokenOptions None = new(false, null, false);

    /// <summary>vLLM's default <c>max_logprobs</c>, and OpenAI's limit for <c>top_logprobs</c>.</summary>
    private const int MaxTop = 20;

    /// <summary>Whether the answer is given in tokens at all.</summary>
    public bool Speaks => ReturnTokenIds || TopLogprobs is not null;

    /// <summary>Chat Completions: <c>logprobs: true</c> with <c>top_logprobs: N</c> (default 0).</summary>
    public static TokenOptions ForChat(JsonObject root) =>
        new(Flag(root, "return_token_ids"), Flag(root, "logprobs") ? Count(root, "top_logprobs") ?? 0 : null, Flag(root, "return_tokens_as_token_ids"));

    /// <summary>Completions: <c>logprobs: K</c>, K alternatives besides the sampled token (K may be 0).</summary>
    public static TokenOptions ForCompletions(JsonObject root) =>
        new(Flag(root, "return_token_ids"), Count(root, "logprobs"), Flag(root, "return_tokens_as_token_ids"));

    private static bool Flag(JsonObject root, string name) => root[name] switch
    {
        null => false,
        JsonValue v when v.TryGetValue(out bool flag) => flag,
        _ => throw new FormatException($"'{name}' must be a boolean"),
    };

    private static int? Count(JsonObject root, string name) => root[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int n) && n is >= 0 and <= MaxTop => n,
        _ => throw new FormatException($"'{name}' must be an integer from 0 to {MaxTop}"),
    };
}
