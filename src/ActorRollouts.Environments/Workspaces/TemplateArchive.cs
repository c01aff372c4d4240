using System.Formats.Tar;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>A captured template (<c>templates/&lt;hash&gt;</c>) as one tar archive in the shared content, so a machine
/// that never captured it can unpack the same tree (symlinks stay symlinks; modes are kept).</summary>
public static class TemplateArchive
{
    public static string KeyOf(string templateHash) => "template-" + templateHash;

    /// <summary>Stores the captured folder, unless the shared content has it already.</summary>
    public static void Publish(ISharedContent shared, string templateHash, string capturedFolder)
    {
        var key = KeyOf(templateHash);
        if (shared.Has(key)) return;
        var archive = Path.Combine(Path.GetTempPath(), $"ar-template-{Guid.NewGuid():n}.tar");
        try
        {
            TarFile.CreateFromDirectory(capturedFolder, archive, includeBaseDirectory: false);
            shared.Publish(key, archive);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>Unpacks the template into <c>&lt;templatesDir&gt;/&lt;hash&gt;</c> if the shared content has it; false if
    /// not. The folder appears whole or not at all.</summary>
    public static bool TryRestore(ISharedContent shared, string templateHash, string templatesDir)
    {
        Directory.CreateDirectory(templatesDir);
        var staging = Path.Combine(templatesDir, $".restoring-{Environment.ProcessId}-{Guid.NewGuid():n}");
        var archive = staging + ".tar";
        try
        {
            if (!shared.TryFetch(KeyOf(templateHash), archive)) return false;
            Directory.CreateDirectory(staging);
            TarFile.ExtractToDirectory(archive, staging, overwriteFiles: false);
            try
            {
                Directory.Move(staging, Path.Combine(templatesDir, templateHash));
            }
            catch (IOException) when (Directory.Exists(Path.Combine(templatesDir, templateHash)))
            {
                // Another session of this process restored it meanwhile: theirs is the same tree.
            }
            return true;
        }
        finally
        {
            File.Delete(archive);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }
}
