using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Agents;

/// <summary>How an agent in a sandbox without network reaches its gateway and nothing else: the gateway's Unix socket is bound
/// into the sandbox, and socat — the host's binary, with its own loader and libraries, so it runs in any image — listens on the
/// sandbox's own loopback and forwards to it. The agent gets <c>http://127.0.0.1:41999/v1</c>; every other address is
/// unreachable (the sandbox has its own network namespace with only loopback in it).</summary>
public static partial class GatewayBridge
{
    public const int Port = 41999;
    private const string Dir = "/tmp/.actor-rollouts";
    public const string SocketInside = Dir + "/gateway.sock";
    public static readonly string UrlInside = $"http://127.0.0.1:{Port}/v1";

    private static readonly Lazy<(IReadOnlyList<SandboxBind>? Binds, string? Problem)> Bundle = new(FindSocat);

    /// <summary>Why agents without network cannot run here (no socat), or null.</summary>
    public static string? Unavailable => Bundle.Value.Problem;

    /// <summary>The binds and the program that starts the bridge, waits until it listens, then becomes the agent.</summary>
    public static (IReadOnlyList<SandboxBind> Binds, IReadOnlyList<string> Program) Wrap(string gatewaySocket, IReadOnlyList<string> agentCommand)
    {
        var (binds, problem) = Bundle.Value;
        if (binds is null) throw new InvalidOperationException(problem);
        return ([.. binds, new SandboxBind(gatewaySocket, SocketInside, Writable: true)], ["/bin/sh", "-c", Script, "agent", .. agentCommand]);
    }

    /// <summary>The sandbox's loopback address of the bridge, as <c>/proc/net/tcp</c> writes it (127.0.0.1 in host byte order).</summary>
    private static readonly string Listening = $"0100007F:{Port:X4}";

    // POSIX sh only: an image may have nothing else. The wait reads /proc/net/tcp until socat listens (a few milliseconds), so
    // the agent's first request never meets a closed port; it gives up if socat died.
    private static readonly string Script = $$"""
        "{{Dir}}/lib/ld.so" --library-path "{{Dir}}/lib" "{{Dir}}/socat" TCP-LISTEN:{{Port}},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:{{SocketInside}} &
        bridge=$!
        listening() { while read -r _ local _ state _; do [ "$local" = {{Listening}} ] && [ "$state" = 0A ] && return 0; done < /proc/net/tcp; return 1; }
        until listening; do kill -0 "$bridge" 2>/dev/null || { echo "actor-rollouts: the gateway bridge (socat) did not start" >&2; exit 70; }; done
        exec "$@"
        """;

    [GeneratedRegex(@"(?:=>\s*)?(/\S+)\s+\(0x")]
    private static partial Regex LibraryPath();

    /// <summary>socat and what <c>ldd</c> says it loads, each bound under the sandbox's <c>/tmp</c>; the loader as <c>ld.so</c>.</summary>
    private static (IReadOnlyList<SandboxBind>?, string?) FindSocat()
    {
        var socat = new[] { "/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat" }.FirstOrDefault(File.Exists);
        if (socat is null)
            return (null, "an agent without network reaches its gateway through socat, which is not installed (apt-get install socat); " +
                          "or give the task \"agent\": {\"network\": true}");
        var start = new ProcessStartInfo("ldd", [socat]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var ldd = Process.Start(start)!;
        var output = ldd.StandardOutput.ReadToEnd();
        ldd.WaitForExit();
        var binds = new List<SandboxBind> { new(socat, Dir + "/socat") };
        foreach (var line in output.Split('\n'))
        {
            if (LibraryPath().Match(line) is not { Success: true } match) continue;
            var path = match.Groups[1].Value;
            var name = Path.GetFileName(path);
            binds.Add(new SandboxBind(path, $"{Dir}/lib/{(name.StartsWith("ld-linux", StringComparison.Ordinal) ? "ld.so" : name)}"));
        }
        return binds.Any(b => b.Inside.EndsWith("/ld.so", StringComparison.Ordinal))
            ? (binds, null)
            : (null, $"ldd {socat} named no dynamic loader; the gateway bridge cannot be set up ({output.Trim()})");
    }
}
