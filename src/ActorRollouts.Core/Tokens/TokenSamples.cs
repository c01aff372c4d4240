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
    /// <summary>The session's samples: an agent session's per thread (<see cref="Sessions.SessionState.AgentTurns"/> says which
    /// thread each turn was of), any other's over its turns in order.</summary>
    public static ImmutableList<TokenSample> Of(Sessions.SessionState session)
    {
        if (!session.IsAgent) return From(session.TokenTurns);
        var threads = new Dictionary<int, int>();
        foreach (var mark in session.AgentTurns) threads[mark.Turn] = mark.Thread;
        return From(session.TokenTurns, turn => threads.GetValueOrDefault(turn));
    }

    /// <summary>Samples of <paramref name="turns"/>; with <paramref name="threadOf"/>, each thread's turns continue only that
    /// thread's samples: a turn extends the thread's previous turn (its prompt starts with that turn's prompt and completion).</summary>
    public static ImmutableList<TokenSample> From(IEnumerable<TokenTurn> turns, Func<int, int>? threadOf = null)
    {
        var samples = new List<TokenSample>();
        var threads = new Dictionary<int, ThreadState>();
        var created = 0;
        foreach (var (turn, prompt, completion) in TokenChain.Unfold(turns))
        {
            var key = threadOf?.Invoke(turn.Turn) ?? 0;
            var thread = threads.TryGetValue(key, out var known) ? known : threads[key] = new ThreadState();
            if (!turn.Tokens.IsAvailable)
            {
                Close(thread);
                (thread.AfterGap, thread.Last, thread.LastLength) = (true, [], 0);
                continue;
            }
            var continues = thread.Current is not null && (threadOf is null
                ? turn.Tokens.PromptShared == thread.LastLength
                : prompt.AsSpan().StartsWith(thread.Last.AsSpan()));
            if (continues) thread.Current!.Between(prompt.AsSpan()[thread.LastLength..]);
            else
            {
                var reason = thread.AfterGap ? TokenSample.AfterUnavailable : thread.Current is null && !thread.Started ? TokenSample.FirstTurn : TokenSample.Drifted;
                Close(thread);
                thread.Current = new Builder(created++, prompt, reason, reason == TokenSample.Drifted ? turn.Turn : null, threadOf is null ? null : key);
                thread.Started = true;
            }
            thread.Current.Generated(turn, completion);
            // Without threads the chain's own packing says whether a turn extends the last: its length is enough.
            (thread.Last, thread.LastLength, thread.AfterGap) = (threadOf is null ? [] : [.. prompt, .. completion], prompt.Length + completion.Length, false);
        }
        foreach (var thread in threads.Values) Close(thread);
        return [.. samples.OrderBy(s => s.SampleIndex)];

        void Close(ThreadState thread)
        {
            if (thread.Current is not null) samples.Add(thread.Current.Build());
            thread.Current = null;
        }
    }

    /// <summary>Where a thread's samples stand: the sample being built, the tokens its last turn ended with.</summary>
    private sealed class ThreadState
    {
        public Builder? Current { get; set; }
        public ImmutableArray<int> Last { get; set; } = [];
        public int LastLength { get; set; }
        public bool AfterGap { get; set; }
        public bool Started { get; set; }
    }

    private sealed class Builder(int index, ImmutableArray<int> prompt, string reason, int? drift, int? thread)
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

        public TokenSample Build() => new(index, prompt, [.. _ids], [.. _mask], [.. _logprobs], [.. _versions], _turns.ToImmutable(), reason, drift, _hasLogprobs, thread);
    }
}
