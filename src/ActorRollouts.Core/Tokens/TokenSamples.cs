using System.Collections.Immutable;

namespace ActorRollouts.Core.Tokens;

/// <summary>The rule that turns a session's journaled turns into training samples — pure, so every export, the service
/// and the viewer give the same samples from the same journal, and a changed rule is a new export, never a new rollout.
/// <para>Consecutive turns are one sample while each turn's prompt is exactly the previous turn's prompt and completion
/// followed by new tokens (the tool results and template tokens between them). Where a prompt does not extend them — the
/// server re-tokenized the model's own answer, or its template rewrote history — a new sample starts at that turn, so a
/// sample never holds a token the model did not see or produce (prime-rl's rule). A turn without tokens ends the sample
/// before it and belongs to none.</para></summary>
public static class TokenSamples
{
    public static ImmutableList<TokenSample> From(IEnumerable<TokenTurn> turns)
    {
        var samples = ImmutableList.CreateBuilder<TokenSample>();
        Builder? current = null;
        var previousLength = 0;
        var afterGap = false;
        foreach (var (turn, prompt, completion) in TokenChain.Unfold(turns))
        {
            if (!turn.Tokens.IsAvailable)
            {
                Close();
                afterGap = true;
                previousLength = 0;
                continue;
            }
            if (current is not null && turn.Tokens.PromptShared == previousLength)
                current.Between(prompt.AsSpan()[previousLength..]);
            else
            {
                var reason = afterGap ? TokenSample.AfterUnavailable : current is null && samples.Count == 0 ? TokenSample.FirstTurn : TokenSample.Drifted;
                Close();
                current = new Builder(samples.Count, prompt, reason, reason == TokenSample.Drifted ? turn.Turn : null);
            }
            current.Generated(turn, completion);
            previousLength = prompt.Length + completion.Length;
            afterGap = false;
        }
        Close();
        return samples.ToImmutable();

        void Close()
        {
            if (current is not null) samples.Add(current.Build());
            current = null;
        }
    }

    private sealed class Builder(int index, ImmutableArray<int> prompt, string reason, int? drift)
    {
        private readonly List<int> _ids = [];
        private readonly List<byte> _mask = [];
        private readonly List<float> _logprobs = [];
        private readonly List<int> _versions = [];
        private readonly ImmutableList<int>.Builder _turns = ImmutableList.CreateBuilder<int>();
        private bool _hasLogprobs = true;

        public void Between(ReadOnlySpan<int> ids)
        {
            foreach (var id in ids)
            {
                _ids.Add(id);
                _mask.Add(0);
                _logprobs.Add(0);
                _versions.Add(-1);
            }
        }

        public void Generated(TokenTurn turn, ImmutableArray<int> completion)
        {
            var logprobs = turn.Tokens.Logprobs.Unpack();
            if (logprobs.Length != completion.Length) _hasLogprobs = false;
            for (var i = 0; i < completion.Length; i++)
            {
                _ids.Add(completion[i]);
                _mask.Add(1);
                _logprobs.Add(i < logprobs.Length ? logprobs[i] : 0);
                _versions.Add(turn.DispatchVersion);
            }
            _turns.Add(turn.Turn);
        }

        public TokenSample Build() => new(index, prompt, [.. _ids], [.. _mask], [.. _logprobs], [.. _versions], _turns.ToImmutable(), reason, drift, _hasLogprobs);
    }
}
