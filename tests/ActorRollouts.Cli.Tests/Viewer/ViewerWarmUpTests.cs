namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>The viewer says it is ready only once it has served a first visit to itself (the page, the fleet list, a
/// fleet, a session), so a user's first click does not pay for compiling the request pipeline.</summary>
public sealed class ViewerWarmUpTests(ExampleJournal journal) : IClassFixture<ExampleJournal>
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")] // needs the token: the warm-up carries it
    public async Task TheReadyLine_ComesAfterEveryPageOfAFirstVisitWasServed(string host)
    {
        await using var viewer = await ViewerProcess.StartAsync("view", "--data-dir", journal.DataDir, "--port", "0", "--host", host);
        string? ready = null;
        await viewer.WhenStderrLine(line =>
        {
            if (!line.StartsWith("viewer: ready", StringComparison.Ordinal)) return false;
            ready = line;
            return true;
        }).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Matches(@"; 4 pages warmed up in \d+\.\d s$", ready);
    }
}
