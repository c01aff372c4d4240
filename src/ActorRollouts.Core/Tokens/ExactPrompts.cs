using System.Collections.Immutable;

namespace ActorRollouts.Core.Tokens;

/// <summary>Token in, token out: the next prompt is the session's own tokens so far, then only what the chat template
/// gives the messages added since (tool results, then the generation prompt). Those come from two renderings of the
/// transcript by the server's template — up to the last assistant turn, and all of it with the generation prompt — of
/// which only the new tail is used: history is never re-tokenized, so a template that rewrites earlier turns (Qwen3
/// dropping old reasoning) cannot change a token the model already saw.</summary>
public static class ExactPrompts
{
    /// <summary>The next prompt: <paramref name="sequence"/> (the last prompt and its completion), then what the template
    /// puts after the completion's last token (ChatML's newline after <c>&lt;|im_end|&gt;</c>), then the new messages'
    /// tokens. Null when <paramref name="withNew"/> does not begin with <paramref name="history"/>: the template renders
    /// the past differently once new messages follow, and no exact continuation exists.</summary>
    public static ImmutableArray<int>? Extend(ImmutableArray<int> sequence, ReadOnlySpan<int> history, ReadOnlySpan<int> withNew)
    {
        if (!withNew.StartsWith(history)) return null;
        // Where the model's last turn ends in the rendering: after the last occurrence of its final token (its EOS).
        var end = sequence.IsEmpty ? -1 : history.LastIndexOf(sequence[^1]);
        var glue = end < 0 ? [] : history[(end + 1)..];
        return [.. sequence, .. glue, .. withNew[history.Length..]];
    }
}
