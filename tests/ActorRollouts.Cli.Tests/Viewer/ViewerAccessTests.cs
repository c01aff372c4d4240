using System.Net;
using System.Net.Sockets;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>A small finished fleet (the README's example) for tests that need a journal and nothing particular in it.</summary>
public sealed class ExampleJournal : IAsyncLifetime
{
    public string DataDir { get; } = Path.Combine(Cli.NewTempDir(), "data");

    public async Task InitializeAsync()
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", DataDir, "--fleet-id", "example"]);
        if (run.ExitCode != 0) throw new InvalidOperationException($"the example fleet failed: {run}");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Who gets an answer: on 127.0.0.1 only requests addressed to it; on any other address only requests that
/// carry the printed token.</summary>
public sealed class ViewerAccessTests(ExampleJournal journal) : IClassFixture<ExampleJournal>
{
    [Fact]
    public async Task OnAnotherHost_EveryRequestWithoutTheToken_Gets401()
    {
        await using var viewer = await ViewerProcess.StartAsync("view", "--data-dir", journal.DataDir, "--port", "0", "--host", "0.0.0.0");
        var token = new Uri(viewer.Url).Query.Replace("?token=", "");
        Assert.Matches("^[0-9a-f]{32}$", token);
        var port = viewer.Root.Port;
        var address = $"http://{LanAddress() ?? "127.0.0.1"}:{port}";
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false });

        foreach (var path in new[] { "/", "/fleets/example", "/api/fleets", "/api/session?id=example:fix-greeting:0", "/js/app.js", "/api/live/fleets" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(address + path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{address}/api/fleets?token={new string('0', 32)}")).StatusCode);
        using (var wrongBearer = new HttpRequestMessage(HttpMethod.Get, $"{address}/api/fleets") { Headers = { { "Authorization", "Bearer nope" } } })
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrongBearer)).StatusCode);

        // The printed address works, and sets the cookie the page's own requests then carry.
        var opened = await http.GetAsync($"{address}/?token={token}");
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var cookie = opened.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using (var withCookie = new HttpRequestMessage(HttpMethod.Get, $"{address}/api/fleets") { Headers = { { "Cookie", cookie.Split(';')[0] } } })
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withCookie)).StatusCode);
        using (var bearer = new HttpRequestMessage(HttpMethod.Get, $"{address}/api/fleets") { Headers = { { "Authorization", $"Bearer {token}" } } })
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);
    }

    [Fact]
    public async Task On127001_RequestsAddressedToAnotherName_Get401()
    {
        await using var viewer = await ViewerProcess.StartAsync("view", "--data-dir", journal.DataDir, "--port", "0");
        Assert.DoesNotContain("token", viewer.Url);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(viewer.Root, "/api/fleets"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://localhost:{viewer.Root.Port}/api/fleets")).StatusCode);
        // A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) reads nothing.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(viewer.Root, "/api/fleets")) { Headers = { Host = $"attacker.example:{viewer.Root.Port}" } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(rebound)).StatusCode);
    }

    [Fact]
    public async Task APortInUse_IsOneLineAndExit2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var result = await Cli.RunAsync(["view", "--data-dir", journal.DataDir, "--port", port.ToString()]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"the viewer cannot listen on 127.0.0.1:{port}: the port is in use", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr); // no stack trace
    }

    [Fact]
    public async Task ANonAddressHost_AndAMissingJournal_AreUsageErrors()
    {
        var host = await Cli.RunAsync(["view", "--data-dir", journal.DataDir, "--host", "my laptop"]);
        Assert.Equal(2, host.ExitCode);
        Assert.Contains("--host 'my laptop' is not an IP address", host.Stderr);
        var missing = await Cli.RunAsync(["view", "--data-dir", Path.Combine(Cli.NewTempDir(), "nothing")]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no journal at", missing.Stderr);
    }

    /// <summary>This machine's first non-loopback IPv4 address, so the request really arrives from another interface when
    /// there is one.</summary>
    private static string? LanAddress() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString();
}
