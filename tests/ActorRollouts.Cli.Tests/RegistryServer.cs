using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorRollouts.Cli.Tests;

/// <summary>A real container registry (Debian's <c>docker-registry</c>, the CNCF distribution server) on a free loopback
/// port, over plain HTTP, storing into a temporary folder: what <c>docker://</c> images are pulled from on a machine that
/// reaches a registry. Ready once it logs that it listens; killed when disposed or when the tests' process exits.</summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private RegistryServer(Process process, string dir, string host) => (_process, _dir, Host) = (process, dir, host);

    /// <summary><c>127.0.0.1:PORT</c>, as an image reference names the registry.</summary>
    public string Host { get; }

    public static async Task<RegistryServer> StartAsync()
    {
        var dir = Cli.NewTempDir();
        var host = $"127.0.0.1:{FreePort()}";
        var config = Path.Combine(dir, "config.yml");
        await File.WriteAllTextAsync(config, $"version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {dir}/data\nhttp:\n  addr: {host}\n");
        var start = new ProcessStartInfo("docker-registry", ["serve", config]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        var process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start (tests/run installs it)");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(process);
        _ = process.StandardOutput.ReadToEndAsync();
        var log = new List<string>();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardError.ReadLineAsync(bounded.Token) is { } line)
        {
            log.Add(line);
            if (line.Contains($"listening on {host}", StringComparison.Ordinal))
            {
                _ = process.StandardError.ReadToEndAsync(); // keep draining, so it never blocks on a full pipe
                return new RegistryServer(process, dir, host);
            }
        }
        throw new InvalidOperationException($"docker-registry ended before it listened:\n{string.Join('\n', log)}");
    }

    /// <summary>Pushes an OCI layout's tagged image (skopeo, over plain HTTP); returns its <c>docker://</c> reference.</summary>
    public async Task<string> PushAsync(string layout, string tag, string name)
    {
        var start = new ProcessStartInfo("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", $"oci:{layout}:{tag}", $"docker://{Host}/{name}"])
        {
            RedirectStandardError = true, UseShellExecute = false,
        };
        using var skopeo = Process.Start(start)!;
        var stderr = await skopeo.StandardError.ReadToEndAsync();
        await skopeo.WaitForExitAsync();
        Assert.True(skopeo.ExitCode == 0, $"skopeo push: {stderr}");
        return $"docker://{Host}/{name}";
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
