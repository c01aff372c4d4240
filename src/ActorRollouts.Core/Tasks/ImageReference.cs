namespace ActorRollouts.Core.Tasks;

/// <summary>A task's <c>image</c>, as skopeo names it: <c>docker://REF</c> (a registry), <c>docker-archive:PATH</c> and
/// <c>oci-archive:PATH</c> (tarballs), or <c>oci:DIR[:TAG]</c> (an OCI layout). Paths are resolved against the task file's
/// folder.</summary>
public sealed record ImageReference(string Transport, string Location)
{
    public const string Docker = "docker";
    public const string DockerArchive = "docker-archive";
    public const string OciArchive = "oci-archive";
    public const string Oci = "oci";

    /// <summary>The reference skopeo takes.</summary>
    public string Skopeo => Transport == Docker ? $"docker://{Location}" : $"{Transport}:{Location}";

    public override string ToString() => Skopeo;

    /// <summary>Reads <paramref name="text"/>, or throws <see cref="ImageException"/> saying which forms there are.</summary>
    public static ImageReference Parse(string text, string baseDir)
    {
        if (text.StartsWith("docker://", StringComparison.Ordinal) && text.Length > "docker://".Length)
            return new ImageReference(Docker, text["docker://".Length..]);
        var colon = text.IndexOf(':');
        var (transport, rest) = colon > 0 ? (text[..colon], text[(colon + 1)..]) : ("", "");
        if (transport is DockerArchive or OciArchive && rest.Length > 0)
            return new ImageReference(transport, Path.GetFullPath(Path.Combine(baseDir, rest)));
        if (transport == Oci && rest.Length > 0)
        {
            // oci:DIR[:TAG]: the tag is what follows the last colon, unless that is part of the folder's own name.
            var tagAt = rest.LastIndexOf(':');
            var (dir, tag) = tagAt > 0 ? (rest[..tagAt], rest[tagAt..]) : (rest, "");
            return new ImageReference(Oci, Path.GetFullPath(Path.Combine(baseDir, dir)) + tag);
        }
        throw new ImageException($"'{text}' is not an image reference: use docker://REF, docker-archive:PATH, oci-archive:PATH or oci:DIR[:TAG]");
    }

    /// <summary>The same image named by its manifest <paramref name="digest"/>: a registry's tag may move between reading the
    /// manifest and copying the layers, a digest cannot. Local images are read once, as they are.</summary>
    public ImageReference PinnedTo(string digest)
    {
        if (Transport != Docker) return this;
        var name = Location.Split('@')[0];
        var tagAt = name.LastIndexOf(':');
        if (tagAt > name.LastIndexOf('/')) name = name[..tagAt];
        return this with { Location = $"{name}@{digest}" };
    }

    /// <summary>The registry a <c>docker://</c> reference pulls from (<c>host[:port]</c>; <c>docker.io</c> for a name
    /// without one, as Docker reads it); null for a local image.</summary>
    public string? Registry
    {
        get
        {
            if (Transport != Docker) return null;
            var slash = Location.IndexOf('/');
            var first = slash < 0 ? "" : Location[..slash];
            return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : "docker.io";
        }
    }

    /// <summary>The file or folder the reference reads, for a local one (null for a registry).</summary>
    public string? LocalPath => Transport switch
    {
        DockerArchive or OciArchive => Location,
        Oci => Location.LastIndexOf(':') is var at and > 0 && !Directory.Exists(Location) ? Location[..at] : Location,
        _ => null,
    };
}

/// <summary>An image that cannot be had (missing, unreadable, corrupt, too big) or a name that is none: the message says
/// which and why.</summary>
public sealed class ImageException(string message) : Exception(message);
