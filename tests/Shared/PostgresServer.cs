using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ActorRollouts.Tests.Shared;

/// <summary>A real PostgreSQL 15 server for the tests of one test process, started on first use in a temporary folder
/// on a free loopback port (initdb, then pg_ctl; as the <c>postgres</c> user when the tests run as root, since initdb
/// refuses root) and stopped when the process exits, however it exits: the test runner kills its test host rather than
/// letting it exit, so a detached watchdog stops the server once this process is gone. Each test gets a database of its own
/// (<see cref="NewDatabaseUrl"/>). With <c>ACTOR_ROLLOUTS_TEST_POSTGRES</c> set to a server URL, that server is used
/// instead. PostgreSQL must be installed: <c>tests/run</c> installs it.</summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Shared = new(Start);

    private readonly string _adminUrl;

    private PostgresServer(string adminUrl, string? dataDirectory = null) => (_adminUrl, DataDirectory) = (adminUrl, dataDirectory);

    /// <summary>The server's data folder when this class started it (its <c>postmaster.pid</c> names the server's process;
    /// the benchmark measures its CPU); null for a server given by <c>ACTOR_ROLLOUTS_TEST_POSTGRES</c>.</summary>
    public string? DataDirectory { get; }

    public static PostgresServer Instance => Shared.Value;

    /// <summary>A fresh, empty database on the server, as a <c>--journal-url</c>.</summary>
    public string NewDatabaseUrl()
    {
        var name = "t_" + Guid.NewGuid().ToString("n")[..16];
        using (var connection = new NpgsqlConnection(ConnectionString(_adminUrl)))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        return _adminUrl[.._adminUrl.LastIndexOf('/')] + "/" + name;
    }

    /// <summary>The Npgsql connection string of a URL this class made: the product's own reading of it.</summary>
    public static string ConnectionString(string url) => ActorRollouts.Actors.Configuration.JournalUrl.Parse(url).ConnectionString;

    private static PostgresServer Start()
    {
        if (Environment.GetEnvironmentVariable("ACTOR_ROLLOUTS_TEST_POSTGRES") is { Length: > 0 } given)
            return new PostgresServer(given);

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")))
            : null;
        if (bin is null)
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb). tests/run installs it: apt-get install -y postgresql");

        var dir = Path.Combine(Path.GetTempPath(), "ar-pg-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot) Run("chown", ["postgres", dir]);
        var port = FreePort();
        RunAsServerUser(asRoot, $"{bin}/initdb -D {dir}/data -A trust -U postgres --no-sync > {dir}/initdb.log 2>&1");
        RunAsServerUser(asRoot, $"{bin}/pg_ctl -D {dir}/data -l {dir}/log -w -o \"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=300\" start > /dev/null");
        var stop = $"{bin}/pg_ctl -D {dir}/data -m immediate -w stop > /dev/null 2>&1";
        var stopAsServerUser = asRoot ? $"su postgres -s /bin/sh -c '{stop}'" : stop;
        // Its own session (setsid) and reparented to init once the outer shell returns: a kill of this process's tree
        // does not reach it. It polls for this process, then stops the server and removes the folder.
        File.WriteAllText(Path.Combine(dir, "watchdog.sh"),
            $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 2; done\n{stopAsServerUser}\nrm -rf {dir}\n");
        Run("/bin/sh", ["-c", $"setsid /bin/sh {dir}/watchdog.sh > /dev/null 2>&1 < /dev/null &"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                RunAsServerUser(asRoot, stop);
            }
            catch (Exception)
            {
                // The watchdog stops it soon after this process is gone.
            }
        };
        return new PostgresServer($"postgresql://postgres@127.0.0.1:{port}/postgres", Path.Combine(dir, "data"));
    }

    private static void RunAsServerUser(bool asRoot, string command)
    {
        if (asRoot) Run("su", ["postgres", "-s", "/bin/sh", "-c", command]);
        else Run("/bin/sh", ["-c", command]);
    }

    private static void Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {process.ExitCode}): {error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
