using System.Diagnostics;

namespace ActorRollouts.Tests.Shared;

/// <summary>Container images the tests build themselves, offline, with umoci (no daemon, no root): an OCI layout with one
/// tag, each layer made by changing an unpacked root filesystem and repacking it, as image builders do.</summary>
internal static class TestImages
{
    /// <summary>An OCI layout at <c>DIR/layout</c> tagged <c>base</c>: one layer per action (each gets the root filesystem
    /// to change), then the config.</summary>
    public static async Task<string> BuildAsync(string dir, IEnumerable<Action<string>> layers, string? workingDir = null, string? env = null,
        string? user = null)
    {
        var layout = Path.Combine(dir, "layout");
        await Umoci("init", "--layout", layout);
        await Umoci("new", "--image", $"{layout}:base");
        var bundle = Path.Combine(dir, "bundle");
        foreach (var layer in layers)
        {
            if (Directory.Exists(bundle)) Directory.Delete(bundle, recursive: true);
            await Umoci("unpack", "--rootless", "--image", $"{layout}:base", bundle);
            layer(Path.Combine(bundle, "rootfs"));
            await Umoci("repack", "--image", $"{layout}:base", bundle);
        }
        if (workingDir is not null) await Umoci("config", "--image", $"{layout}:base", "--config.workingdir", workingDir);
        if (env is not null) await Umoci("config", "--image", $"{layout}:base", "--config.env", env);
        if (user is not null) await Umoci("config", "--image", $"{layout}:base", "--config.user", user);
        if (Directory.Exists(bundle)) Directory.Delete(bundle, recursive: true);
        return layout;
    }

    /// <summary>busybox-static as the image's shell: <c>/bin/busybox</c>, and <c>/bin/sh</c> and the usual commands linked
    /// to it.</summary>
    public static void Busybox(string rootfs)
    {
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var command in (string[])["sh", "cat", "ls", "echo", "test", "grep", "id", "pwd", "rm", "mkdir", "sed", "env", "du", "true", "false"])
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", command), "busybox");
    }

    /// <summary>This machine's Python (Debian's <c>/usr/bin/python3</c> and its whole standard library, without its tests) copied into
    /// the image with the shared libraries it and its extension modules load, and busybox as the shell: a Python image
    /// built offline from Debian packages.</summary>
    public static void Python(string rootfs)
    {
        Busybox(rootfs);
        var (executable, stdlib) = HostPython();
        CopyFile(executable, rootfs);
        File.CreateSymbolicLink(Path.Combine(rootfs, Path.GetDirectoryName(executable)!.TrimStart('/'), "python3"), Path.GetFileName(executable));
        CopyTree(stdlib, Path.Combine(rootfs, stdlib.TrimStart('/')), skip: ["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages", "dist-packages"]);
        var loaded = new[] { executable }.Concat(Directory.GetFiles(Path.Combine(stdlib, "lib-dynload"), "*.so"))
            .SelectMany(SharedLibraries).Distinct(StringComparer.Ordinal);
        foreach (var library in loaded) CopyFile(library, rootfs);
    }

    /// <summary>This machine's Node.js (<c>/usr/bin/node</c> and the libraries it loads), busybox as the shell, and the MCP
    /// servers of <paramref name="nodeModules"/> at <c>/opt/mcp/node_modules</c>: an image whose task brings MCP servers.</summary>
    public static Action<string> NodeWithMcpServers(string nodeModules) => rootfs =>
    {
        Busybox(rootfs);
        foreach (var file in SharedLibraries("/usr/bin/node").Prepend("/usr/bin/node")) CopyFile(file, rootfs);
        CopyTree(nodeModules, Path.Combine(rootfs, "opt", "mcp", "node_modules"), skip: []);
        Directory.CreateDirectory(Path.Combine(rootfs, "testbed"));
    };

    /// <summary>A small project at <c>/testbed</c> whose test fails until <c>calc.py</c>'s bug is fixed.</summary>
    public static void CalcProject(string rootfs)
    {
        var testbed = Directory.CreateDirectory(Path.Combine(rootfs, "testbed")).FullName;
        File.WriteAllText(Path.Combine(testbed, "calc.py"), "def add(a, b):\n    return a - b\n");
        File.WriteAllText(Path.Combine(testbed, "test_calc.py"),
            "import unittest\n\nimport calc\n\n\nclass AddTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(calc.add(2, 3), 5)\n\n\n" +
            "if __name__ == '__main__':\n    unittest.main()\n");
    }

    /// <summary>The layout as a tarball skopeo made (<c>oci-archive:</c> or <c>docker-archive:</c>).</summary>
    public static async Task<string> ArchiveAsync(string layout, string transport, string file)
    {
        var (code, _, stderr) = await RunAsync("skopeo", "copy", "--quiet", $"oci:{layout}:base", $"{transport}:{file}");
        Assert.True(code == 0, stderr);
        return file;
    }

    private static (string Executable, string StdLib) HostPython()
    {
        var (code, stdout, stderr) = RunAsync("/usr/bin/python3", "-c", "import sys, sysconfig; print(sys.executable); print(sysconfig.get_paths()['stdlib'])").GetAwaiter().GetResult();
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (new FileInfo(lines[0]).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? lines[0], lines[1]);
    }

    /// <summary>What <c>ldd</c> says the binary loads, the dynamic loader included, as real paths.</summary>
    private static IEnumerable<string> SharedLibraries(string binary)
    {
        var (_, stdout, _) = RunAsync("ldd", binary).GetAwaiter().GetResult();
        foreach (var line in stdout.Split('\n'))
        {
            var path = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith('/'));
            if (path is not null) yield return path;
        }
    }

    /// <summary>Copies a file's content to the same path under the root filesystem (a library named through the host's
    /// <c>/lib</c> → <c>usr/lib</c> link lands in the image's own <c>/lib</c>, where its loader looks).</summary>
    private static void CopyFile(string path, string rootfs)
    {
        var target = Path.Combine(rootfs, path.TrimStart('/'));
        if (File.Exists(target)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(path, target);
    }

    private static void CopyTree(string from, string to, string[] skip)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var name = Path.GetFileName(entry);
            if (skip.Contains(name) || name == "__pycache__") continue;
            var target = Path.Combine(to, name);
            if (new FileInfo(entry).LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (Directory.Exists(entry)) CopyTree(entry, target, skip);
            else File.Copy(entry, target);
        }
    }

    private static async Task Umoci(params string[] args)
    {
        var (code, _, stderr) = await RunAsync("umoci", args);
        Assert.True(code == 0, $"umoci {string.Join(' ', args)}: {stderr}");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
