using ActorRollouts.Core.Tasks;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ActorRollouts.Environments.Images;

/// <summary>An image's unpacked root filesystem and the config that applies to commands in it.</summary>
public sealed record CapturedImage(string Digest, string RootFs, ImmutableList<string> Env, string WorkingDir, uint Uid, uint Gid, long Bytes);

/// <summary>Images unpacked once per manifest digest under <c>images/&lt;digest&gt;/</c>, without root: skopeo copies the image
/// into an OCI layout, <c>umoci unpack --rootless</c> applies its layers (whiteouts, opaque directories and hard links as
/// the OCI spec says). Equal digests share one copy, whatever reference named them; an image bigger than
/// <paramref name="maxBytes"/> (its layers as stored) is refused before anything is copied. A registry in
/// <paramref name="insecureRegistries"/> (<c>host[:port]</c>) is reached over plain HTTP or unverified TLS, as a local
/// mirror often must be.</summary>
public sealed class ImageStore(string imagesDir, long maxBytes, IReadOnlyCollection<string>? insecureRegistries = null)
{
    public const long DefaultMaxBytes = 20L * 1024 * 1024 * 1024;

    /// <summary>Written last, so a half-unpacked folder (a crash) is never taken for an image.</summary>
    private const string CompleteMarker = "complete";

    public async Task<CapturedImage> CaptureAsync(ImageReference image, CancellationToken cancel = default)
    {
        if (image.LocalPath is { } local && !File.Exists(local) && !Directory.Exists(local))
            throw new ImageException($"image {image}: {local} does not exist");
        var manifest = await ImageTools.RunAsync("skopeo", ["inspect", "--raw", .. TlsOptions(image, "--tls-verify=false"), image.Skopeo], cancel);
        if (manifest.ExitCode != 0) throw new ImageException($"image {image} cannot be read: {manifest.Reason}{InsecureHint(image, manifest.Reason)}");
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.Stdout)));
        var bytes = StoredBytes(manifest.Stdout, image);
        if (bytes > maxBytes)
            throw new ImageException($"image {image} is {bytes:N0} bytes, more than environment.max-image-bytes ({maxBytes:N0})");

        var folder = Path.Combine(imagesDir, digest.Replace(':', '-'));
        if (!File.Exists(Path.Combine(folder, CompleteMarker)))
        {
            // Sessions resumed together on a machine without the image all ask for it at once: one unpack serves them.
            var unpacking = Unpacking.GetOrAdd(folder, _ => new Lazy<Task>(() =>
                UnpackAsync(image.PinnedTo(digest), folder, TlsOptions(image, "--src-tls-verify=false"), CancellationToken.None)));
            try
            {
                await unpacking.Value.WaitAsync(cancel);
            }
            finally
            {
                if (unpacking.Value.IsCompleted) Unpacking.TryRemove(new KeyValuePair<string, Lazy<Task>>(folder, unpacking));
            }
        }
        return Read(digest, folder, bytes);
    }

    private static readonly ConcurrentDictionary<string, Lazy<Task>> Unpacking = new(StringComparer.Ordinal);

    /// <summary>A registry that speaks plain HTTP, or TLS with a certificate nobody signed, is reached only when listed.</summary>
    private static string InsecureHint(ImageReference image, string reason) =>
        image.Registry is { } registry && (reason.Contains("HTTP response to HTTPS client", StringComparison.Ordinal) || reason.Contains("x509:", StringComparison.Ordinal))
            ? $" (a registry over plain HTTP or without a trusted certificate: list it in actor-rollouts.environment.insecure-registries = [\"{registry}\"])"
            : "";

    private string[] TlsOptions(ImageReference image, string option) =>
        image.Registry is { } registry && insecureRegistries?.Contains(registry, StringComparer.OrdinalIgnoreCase) == true ? [option] : [];

    /// <summary>The layers' and config's sizes as the manifest gives them (an image index is refused: name one platform's
    /// image).</summary>
    private static long StoredBytes(string manifestJson, ImageReference image)
    {
        try
        {
            using var doc = JsonDocument.Parse(manifestJson);
            var root = doc.RootElement;
            if (root.TryGetProperty("manifests", out _))
                throw new ImageException($"image {image} is an index of several platforms' images: name one (e.g. its linux/amd64 digest)");
            long Size(JsonElement e) => e.TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : 0;
            return (root.TryGetProperty("config", out var config) ? Size(config) : 0)
                   + (root.TryGetProperty("layers", out var layers) ? layers.EnumerateArray().Sum(Size) : 0);
        }
        catch (JsonException ex)
        {
            throw new ImageException($"image {image} has a manifest that is not JSON: {ex.Message}");
        }
    }

    /// <summary>Copies and unpacks into a folder of its own, then moves it into place: a capture racing another of the same
    /// digest leaves one copy, and a crash leaves no half image.</summary>
    private static async Task UnpackAsync(ImageReference image, string folder, string[] tlsOptions, CancellationToken cancel)
    {
        var work = $"{folder}.{Guid.NewGuid():n}.tmp";
        Directory.CreateDirectory(work);
        try
        {
            var layout = Path.Combine(work, "layout");
            var copied = await ImageTools.RunAsync("skopeo", ["copy", "--quiet", .. tlsOptions, image.Skopeo, $"oci:{layout}:image"], cancel);
            if (copied.ExitCode != 0) throw new ImageException($"image {image} cannot be copied: {copied.Reason}");
            var bundle = Path.Combine(work, "bundle");
            var unpacked = await ImageTools.RunAsync("umoci", ["unpack", "--rootless", "--image", $"{layout}:image", bundle], cancel);
            if (unpacked.ExitCode != 0) throw new ImageException($"image {image} cannot be unpacked: {unpacked.Reason}");
            Directory.Delete(layout, recursive: true);
            AddMountPoints(Path.Combine(bundle, "rootfs"));
            File.WriteAllText(Path.Combine(bundle, CompleteMarker), "");
            try
            {
                Directory.Move(bundle, folder);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, CompleteMarker)))
            {
                // another capture of the same digest got there first: its copy is the one
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The folders the sandbox mounts <c>/proc</c>, <c>/dev</c> and <c>/tmp</c> on, where the image lacks them (as
    /// a container runtime makes them): made here, once, they are not a change of every session's.</summary>
    private static void AddMountPoints(string rootFs)
    {
        foreach (var name in (string[])["proc", "dev", "tmp"])
        {
            var path = Path.Combine(rootFs, name);
            if (Files.FileKinds.Of(path) == Files.FileKind.Missing) Directory.CreateDirectory(path);
        }
    }

    /// <summary>The runtime config umoci wrote (<c>config.json</c>): the image's Env, WorkingDir and User, resolved.</summary>
    private static CapturedImage Read(string digest, string folder, long bytes)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        var process = doc.RootElement.GetProperty("process");
        var env = process.TryGetProperty("env", out var e) ? e.EnumerateArray().Select(v => v.GetString()!).ToImmutableList() : [];
        var cwd = process.TryGetProperty("cwd", out var c) ? c.GetString() ?? "/" : "/";
        var user = process.TryGetProperty("user", out var u) ? u : default;
        uint Id(string name) => user.ValueKind == JsonValueKind.Object && user.TryGetProperty(name, out var id) ? id.GetUInt32() : 0;
        return new CapturedImage(digest, Path.Combine(folder, "rootfs"), env, cwd, Id("uid"), Id("gid"), bytes);
    }
}
