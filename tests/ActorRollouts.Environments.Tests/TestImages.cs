using ActorRollouts.Environments.Images;

namespace ActorRollouts.Environments.Tests;

/// <summary>Container images the tests build themselves, offline, with umoci (no daemon, no root): an OCI layout with one
/// tag, each layer made by changing an unpacked root filesystem and repacking it, as image builders do.</summary>
internal static class TestImages
{
    /// <summary>An OCI layout at <c>DIR/layout</c> tagged <c>base</c>: one layer per action (each gets the root filesystem
    /// to change), then the config.</summary>
    public static async Task<string> BuildAsync(string dir, IEnumerable<Action<string>> layers, string? workingDir = null, string? env = null)
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
        Directory.Delete(bundle, recursive: true);
        return layout;
    }

    /// <summary>busybox-static as the image's shell: <c>/bin/busybox</c> and <c>/bin/sh</c> linked to it.</summary>
    public static void Busybox(string rootfs)
    {
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "bin", "sh"), "busybox");
    }

    /// <summary>The layout as a tarball skopeo made (<c>oci-archive:</c> or <c>docker-archive:</c>).</summary>
    public static async Task<string> ArchiveAsync(string layout, string transport, string file)
    {
        var ran = await ImageTools.RunAsync("skopeo", ["copy", "--quiet", $"oci:{layout}:base", $"{transport}:{file}"], CancellationToken.None);
        Assert.True(ran.ExitCode == 0, ran.Stderr);
        return file;
    }

    private static async Task Umoci(params string[] args)
    {
        var ran = await ImageTools.RunAsync("umoci", args, CancellationToken.None);
        Assert.True(ran.ExitCode == 0, $"umoci {string.Join(' ', args)}: {ran.Stderr}");
    }
}
