using System.Diagnostics;

namespace ActorRollouts.Bench;

/// <summary>FakeLlm in a process of its own (this program's <c>serve</c> command), so the load generator and the server
/// are measured apart. It stops when its standard input closes, so it never outlives the benchmark.</summary>
public sealed class FakeLlmProcess : IAsyncDisposable
{
    private readonly Process _process;

    private FakeLlmProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<FakeLlmProcess> StartAsync(string scriptPath, CancellationToken cancel)
    {
        var process = Process.Start(SelfCommand.StartInfo(["serve", scriptPath], redirectInput: true))
            ?? throw new InvalidOperationException("could not start the FakeLlm process");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line.StartsWith(ServeCommand.ReadyPrefix, StringComparison.Ordinal))
                return new FakeLlmProcess(process, new Uri(line[ServeCommand.ReadyPrefix.Length..]));
        throw new InvalidOperationException($"the FakeLlm process ended before it listened (exit {process.ExitCode})");
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}

/// <summary><c>serve SCRIPT</c>: FakeLlm on 127.0.0.1 (request bodies not kept) until standard input closes.</summary>
public static class ServeCommand
{
    public const string ReadyPrefix = "fake-llm ready at ";

    public static async Task<int> RunAsync(string scriptPath)
    {
        await using var server = await FakeLlm.FakeLlmServer.StartAsync(FakeLlm.FakeScript.Load(scriptPath), keepRequests: false);
        Console.WriteLine(ReadyPrefix + server.BaseUrl);
        await Console.In.ReadToEndAsync();
        Console.Error.WriteLine($"  fake-llm: {server.RequestCount:N0} requests answered");
        return 0;
    }
}

/// <summary>Starts this benchmark program again with other arguments (dotnet host or apphost alike).</summary>
public static class SelfCommand
{
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool redirectInput = false)
    {
        var host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true, RedirectStandardInput = redirectInput, UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(SelfCommand).Assembly.Location);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return info;
    }
}
