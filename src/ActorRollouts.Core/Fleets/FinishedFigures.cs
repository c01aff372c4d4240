namespace ActorRollouts.Core.Fleets;

/// <summary>Totals over a fleet's finished sessions, from the figures journaled with their outcomes.</summary>
public sealed record FinishedFigures(long Turns, long InputTokens, long OutputTokens)
{
    public static readonly FinishedFigures None = new(0, 0, 0);

    /// <summary>These totals with a session's <paramref name="earlier"/> figures (if it had finished before) replaced by
    /// <paramref name="now"/>.</summary>
    public FinishedFigures Replace(SessionFigures? earlier, SessionFigures? now) => Plus(now, 1).Plus(earlier, -1);

    private FinishedFigures Plus(SessionFigures? figures, int sign) => figures is null ? this
        : new(Turns + sign * figures.Turns, InputTokens + sign * figures.Usage.InputTokens, OutputTokens + sign * figures.Usage.OutputTokens);
}
