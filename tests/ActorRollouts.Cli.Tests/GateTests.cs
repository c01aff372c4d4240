using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The endpoint gate holds a whole fleet to --max-concurrent-requests and --rpm, measured at the server.</summary>
public class GateTests
{
    [Fact]
    public async Task Run_TwentySessionsUnderRpmAndConcurrencyLimits_NeverExceedEitherAtTheServer()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"t","prompt":"go","samples":20}"""]);
        // A 2-second window keeps the test short: --rpm 240 then allows 8 requests per 2 s.
        var config = Path.Combine(dir, "short-window.conf");
        await File.WriteAllTextAsync(config, "actor-rollouts.gate.window = 2s");
        var window = TimeSpan.FromSeconds(2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"delay_ms":150,"turns":[{"content":"done"}]}]}"""));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "20", "--max-concurrent-requests", "3",
            "--rpm", "240", "--config", config, "--data-dir", Path.Combine(dir, "data")]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var arrivals = server.Requests.Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(20, arrivals.Count);
        Assert.Equal(3, server.MaxInFlight);
        // The gate counts a request until one window after it finished, so even as the server clocks arrivals no full
        // window holds more than the limit.
        var measured = window;
        var busiest = arrivals.Max(start => arrivals.Count(t => t >= start && t < start + measured));
        Assert.True(busiest <= 8, $"{busiest} requests arrived within {measured.TotalMilliseconds} ms: " +
            string.Join(", ", arrivals.Select(t => $"{(t - arrivals[0]).TotalMilliseconds:0}")));
        Assert.True(arrivals[16] - arrivals[0] >= 2 * measured, "the rpm limit was binding: the 17th request waited for a third window");
    }
}
