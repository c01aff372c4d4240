using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Tokens;

/// <summary>What a fleet's token samples hold (<c>stats</c>, <c>export --format tokens</c>): samples, the turns that
/// started a new sample because the server re-tokenized history, turns without tokens, and tokens by mask.</summary>
public sealed record TokenStats(int Sessions, int Samples, int DriftedTurns, int UnavailableTurns, long PromptTokens, long GeneratedTokens, long OtherResponseTokens)
{
    public static TokenStats Of(IEnumerable<SessionState> sessions)
    {
        var stats = new TokenStats(0, 0, 0, 0, 0, 0, 0);
        foreach (var session in sessions.Where(s => !s.TokenTurns.IsEmpty))
        {
            var samples = TokenSamples.Of(session);
            stats = stats with
            {
                Sessions = stats.Sessions + 1,
                Samples = stats.Samples + samples.Count,
                DriftedTurns = stats.DriftedTurns + samples.Count(s => s.StartReason == TokenSample.Drifted),
                UnavailableTurns = stats.UnavailableTurns + session.TokenTurns.Count(t => !t.Tokens.IsAvailable),
                PromptTokens = stats.PromptTokens + samples.Sum(s => (long)s.PromptIds.Length),
                GeneratedTokens = stats.GeneratedTokens + samples.Sum(s => s.ResponseMask.Count(m => m == 1)),
                OtherResponseTokens = stats.OtherResponseTokens + samples.Sum(s => s.ResponseMask.Count(m => m == 0)),
            };
        }
        return stats;
    }

    public string Summary() => Sessions == 0
        ? "tokens: none recorded (run the fleet with --tokens capture)"
        : $"tokens: {Samples} samples from {Sessions} sessions; {DriftedTurns} turns drifted (re-tokenized history: a new sample), " +
          $"{UnavailableTurns} turns without tokens; {PromptTokens} prompt tokens, {GeneratedTokens} generated (mask 1), " +
          $"{OtherResponseTokens} tool/template tokens (mask 0)";
}
