using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>How a command runs in a container image: bubblewrap binds the session's merged tree as <c>/</c>, so nothing
/// of the host's root shows; <c>/proc</c>, <c>/dev</c> and a fresh <c>/tmp</c> are provided; the image's <c>Env</c> is
/// the whole environment, its <c>User</c> the command's user, its working folder (or the task's <c>workdir</c>) the
/// current one. The command runs under the image's bash if it has one, else its <c>/bin/sh</c>.</summary>
public static class ImageSandbox
{
    /// <summary>What a container runtime gives a process whose image sets no <c>PATH</c>.</summary>
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>A shell command as the program to run: under the image's bash if it has one, else its <c>/bin/sh</c>.</summary>
    public static IReadOnlyList<string> Shell(string command) =>
        ["/bin/sh", "-c", """[ -x /bin/bash ] && exec /bin/bash -c "$1"; exec /bin/sh -c "$1" """, "sh", command];

    public static IEnumerable<string> BwrapArguments(string tree, SessionImage image, IReadOnlyList<string> program, bool network = false,
        IReadOnlyDictionary<string, string>? env = null, IReadOnlyList<SandboxBind>? binds = null)
    {
        string[] arguments =
        [
            "bwrap", "--bind", tree, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", .. SandboxBind.Arguments(binds),
            "--unshare-all", .. network ? (string[])["--share-net"] : [], "--die-with-parent", "--new-session", "--clearenv",
        ];
        foreach (var argument in arguments) yield return argument;
        foreach (var (name, value) in Environment(image).Concat(env ?? new Dictionary<string, string>()))
        {
            yield return "--setenv";
            yield return name;
            yield return value;
        }
        // In the workspace's namespace we are root already; another user needs a user namespace of its own.
        if (image.Uid != 0 || image.Gid != 0)
            foreach (var argument in (string[])["--unshare-user", "--uid", image.Uid.ToString(), "--gid", image.Gid.ToString()]) yield return argument;
        foreach (var argument in (string[])["--chdir", image.StartDir, .. program]) yield return argument;
    }

    /// <summary>The image's <c>Env</c> (a later entry of the same name wins), with <c>PATH</c> and <c>HOME</c> if it sets
    /// none.</summary>
    public static IReadOnlyDictionary<string, string> Environment(SessionImage image)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in image.Env ?? [])
        {
            var equals = entry.IndexOf('=');
            if (equals > 0) variables[entry[..equals]] = entry[(equals + 1)..];
        }
        variables.TryAdd("PATH", DefaultPath);
        variables.TryAdd("HOME", image.Uid == 0 ? "/root" : "/");
        return variables;
    }
}
