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

    /// <summary>The last turn's prompt and completion: what the next turn's prompt is packed against. Built in one buffer
    /// cut back to each turn's shared prefix, so it costs the tokens stored, not the turns times the history (it runs on
    /// every turn of a session that records tokens).</summary>
    public static ImmutableArray<int> Last(IEnumerable<TokenTurn> turns)
    {
        var sequence = new List<int>();
        foreach (var turn in turns)
        {
            if (!turn.Tokens.IsAvailable)
            {
                sequence.Clear();
                continue;
            }
            var shared = Math.Min(turn.Tokens.PromptShared, sequence.Count);
            sequence.RemoveRange(shared, sequence.Count - shared);
            Append(sequence, turn.Tokens.Prompt);
            Append(sequence, turn.Tokens.Completion);
        }
        return [.. System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence)];
    }

    private static void Append(List<int> sequence, PackedIds ids)
    {
        var start = sequence.Count;
        System.Runtime.InteropServices.CollectionsMarshal.SetCount(sequence, start + ids.Count);
        ids.UnpackInto(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence)[start..]);
    }
}
