using System.Collections.Immutable;

namespace ActorRollouts.Core.Tokens;

/// <summary>Puts a session's prompts back together from its journaled turns (<see cref="TurnTokens.PromptShared"/> ids of
/// the previous turn's prompt and completion, then its own).</summary>
public static class TokenChain
{
    /// <summary>Each turn with its whole prompt and its completion (both empty for a turn without tokens).</summary>
    public static IEnumerable<(TokenTurn Turn, ImmutableArray<int> Prompt, ImmutableArray<int> Completion)> Unfold(IEnumerable<TokenTurn> turns)
    {
        var previous = ImmutableArray<int>.Empty;
        foreach (var turn in turns)
        {
            if (!turn.Tokens.IsAvailable)
            {
                previous = [];
                yield return (turn, [], []);
                continue;
            }
            var shared = Math.Min(turn.Tokens.PromptShared, previous.Length); // a corrupt count never reads past the history
            var prompt = new int[shared + turn.Tokens.Prompt.Count];
            previous.AsSpan(0, shared).CopyTo(prompt);
            turn.Tokens.Prompt.UnpackInto(prompt.AsSpan(shared));
            var completion = turn.Tokens.Completion.Unpack();
            yield return (turn, [.. prompt], completion);
            previous = [.. prompt, .. completion];
        }
    }

    /// <summary>The last turn's prompt and completion: what the next turn's prompt is packed against.</summary>
    public static ImmutableArray<int> Last(IEnumerable<TokenTurn> turns) =>
        Unfold(turns).LastOrDefault() is { Turn: not null } last ? [.. last.Prompt, .. last.Completion] : [];
}
