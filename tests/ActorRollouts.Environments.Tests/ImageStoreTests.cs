using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Images;

namespace ActorRollouts.Environments.Tests;

/// <summary>Capturing images: every way of naming one, unpacked once per digest, layers applied as the OCI spec says, and
/// the images that cannot be had refused with their reason.</summary>
public class ImageStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ar-images-").FullName;

    private string Images => Path.Combine(_dir, "images");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<string> BusyboxLayoutAsync() =>
        TestImages.BuildAsync(Path.Combine(_dir, "build"), [TestImages.Busybox, root => File.WriteAllText(Path.Combine(root, "hello.txt"), "hi\n")],
            workingDir: "/testbed", env: "K=V");

    [Fact]
    public async Task EveryLocalForm_GivesTheSameDigest_UnpackedOnce_WithTheImagesConfig()
    {
        var layout = await BusyboxLayoutAsync();
        var oci = await TestImages.ArchiveAsync(layout, "oci-archive", Path.Combine(_dir, "img-oci.tar"));
        var store = new ImageStore(Images, ImageStore.DefaultMaxBytes);

        var fromLayout = await store.CaptureAsync(ImageReference.Parse($"oci:{layout}:base", _dir));
        var fromArchive = await store.CaptureAsync(ImageReference.Parse("oci-archive:img-oci.tar", _dir));

        Assert.Equal(fromLayout.Digest, fromArchive.Digest);
        Assert.Equal(fromLayout.RootFs, fromArchive.RootFs);
        Assert.Single(Directory.GetDirectories(Images)); // one copy
        Assert.True(File.Exists(Path.Combine(fromLayout.RootFs, "bin", "busybox")));
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(fromLayout.RootFs, "hello.txt")));
        Assert.Equal("/testbed", fromLayout.WorkingDir);
        Assert.Contains("K=V", fromLayout.Env);
        Assert.True(fromLayout.Bytes > 1_000_000, $"{fromLayout.Bytes} bytes: busybox alone is over 1 MB");
    }

    [Fact]
    public async Task ADockerArchive_IsCapturedToo()
    {
        var layout = await BusyboxLayoutAsync();
        await TestImages.ArchiveAsync(layout, "docker-archive", Path.Combine(_dir, "img-docker.tar"));
        var image = await new ImageStore(Images, ImageStore.DefaultMaxBytes).CaptureAsync(ImageReference.Parse("docker-archive:img-docker.tar", _dir));
        Assert.True(File.Exists(Path.Combine(image.RootFs, "hello.txt")));
        Assert.StartsWith("sha256:", image.Digest);
    }

    [Fact]
    public async Task Layers_WhiteoutsAndOpaqueDirectoriesDeleteExactlyWhatTheyShould_AndHardLinksSurvive()
    {
        var layout = await TestImages.BuildAsync(Path.Combine(_dir, "build"),
        [
            root =>
            {
                File.WriteAllText(Path.Combine(root, "gone.txt"), "deleted by the next layer\n");
                File.WriteAllText(Path.Combine(root, "kept.txt"), "kept\n");
                Directory.CreateDirectory(Path.Combine(root, "dir"));
                File.WriteAllText(Path.Combine(root, "dir", "old.txt"), "hidden by the opaque directory\n");
                File.WriteAllText(Path.Combine(root, "linked.txt"), "one file, two names\n");
                Link(Path.Combine(root, "linked.txt"), Path.Combine(root, "alias.txt"));
            },
            root =>
            {
                File.Delete(Path.Combine(root, "gone.txt"));                       // a whiteout
                Directory.Delete(Path.Combine(root, "dir"), recursive: true);      // the directory replaced: opaque
                Directory.CreateDirectory(Path.Combine(root, "dir"));
                File.WriteAllText(Path.Combine(root, "dir", "new.txt"), "new\n");
                Link(Path.Combine(root, "kept.txt"), Path.Combine(root, "kept-alias.txt")); // a link to a file of the layer below
            },
        ]);
        var rootfs = (await new ImageStore(Images, ImageStore.DefaultMaxBytes).CaptureAsync(ImageReference.Parse($"oci:{layout}:base", _dir))).RootFs;

        Assert.False(File.Exists(Path.Combine(rootfs, "gone.txt")));
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(rootfs, "kept.txt")));
        Assert.Equal(["new.txt"], Directory.GetFileSystemEntries(Path.Combine(rootfs, "dir")).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(rootfs, ".wh.*", SearchOption.AllDirectories)); // no whiteout left as a file
        Assert.Equal(Inode(Path.Combine(rootfs, "linked.txt")), Inode(Path.Combine(rootfs, "alias.txt")));
        Assert.Equal(Inode(Path.Combine(rootfs, "kept.txt")), Inode(Path.Combine(rootfs, "kept-alias.txt")));
    }

    [Fact]
    public async Task AMissingArchive_IsRefusedNamingIt()
    {
        var error = await Assert.ThrowsAsync<ImageException>(() =>
            new ImageStore(Images, ImageStore.DefaultMaxBytes).CaptureAsync(ImageReference.Parse("oci-archive:nowhere.tar", _dir)));
        Assert.Contains(Path.Combine(_dir, "nowhere.tar"), error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public async Task ACorruptArchive_IsRefusedWithSkopeosReason()
    {
        var file = Path.Combine(_dir, "corrupt.tar");
        await File.WriteAllBytesAsync(file, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        var error = await Assert.ThrowsAsync<ImageException>(() =>
            new ImageStore(Images, ImageStore.DefaultMaxBytes).CaptureAsync(ImageReference.Parse("oci-archive:corrupt.tar", _dir)));
        Assert.StartsWith($"image oci-archive:{file} cannot be read: ", error.Message);
        Assert.False(Directory.Exists(Images) && Directory.EnumerateFileSystemEntries(Images).Any(), "a refused image left files behind");
    }

    [Fact]
    public async Task AnImageOverTheLimit_IsRefusedBeforeAnythingIsCopied()
    {
        var layout = await BusyboxLayoutAsync();
        var error = await Assert.ThrowsAsync<ImageException>(() =>
            new ImageStore(Images, maxBytes: 100_000).CaptureAsync(ImageReference.Parse($"oci:{layout}:base", _dir)));
        Assert.Contains("more than environment.max-image-bytes (100,000)", error.Message);
        Assert.False(Directory.Exists(Images));
    }

    [Theory]
    [InlineData("ubuntu:22.04")]
    [InlineData("docker://")]
    [InlineData("tarball:x.tar")]
    public void ANameThatIsNoImageReference_IsRefusedSayingWhatIs(string text)
    {
        var error = Assert.Throws<ImageException>(() => ImageReference.Parse(text, "/"));
        Assert.Contains("docker://REF, docker-archive:PATH, oci-archive:PATH or oci:DIR[:TAG]", error.Message);
    }

    [Theory]
    [InlineData("docker://127.0.0.1:5055/tools/busybox:1", "docker://127.0.0.1:5055/tools/busybox@sha256:ab", "127.0.0.1:5055")]
    [InlineData("docker://ubuntu", "docker://ubuntu@sha256:ab", "docker.io")]
    [InlineData("docker://library/python:3.12", "docker://library/python@sha256:ab", "docker.io")]
    [InlineData("docker://localhost/img:tag", "docker://localhost/img@sha256:ab", "localhost")]
    [InlineData("docker://ghcr.io/org/img@sha256:00", "docker://ghcr.io/org/img@sha256:ab", "ghcr.io")]
    [InlineData("oci-archive:/images/x.tar", "oci-archive:/images/x.tar", null)]
    public void AReference_IsCopiedByTheDigestItsManifestHad_FromItsRegistry(string text, string pinned, string? registry)
    {
        var reference = ImageReference.Parse(text, "/");

        Assert.Equal(pinned, reference.PinnedTo("sha256:ab").Skopeo); // a tag that moves meanwhile cannot change what is unpacked
        Assert.Equal(registry, reference.Registry);
    }

    private static void Link(string existing, string link) => Run("ln", existing, link);

    private static ulong Inode(string path) => ulong.Parse(Run("stat", "-c", "%i", path).Trim());

    /// <summary>A command of this machine, synchronously (inside a layer's change, which is not async).</summary>
    private static string Run(string program, params string[] args)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, args) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} failed");
        return output;
    }
}
