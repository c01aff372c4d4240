namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Text a recording holds, written down by hand: in full when short, else how it starts, how it ends and
/// its length in UTF-16 code units (the length of the .NET string).</summary>
public sealed record ExpectedText(string Start, string End, int Length)
{
    public static ExpectedText Exactly(string text) => new(text, text, text.Length);

    public void Matches(string? actual)
    {
        Assert.NotNull(actual);
        Assert.StartsWith(Start, actual);
        Assert.EndsWith(End, actual);
        Assert.Equal(Length, actual.Length);
    }

    public override string ToString() => Start.Length > 40 ? Start[..40] + "…" : Start;
}
