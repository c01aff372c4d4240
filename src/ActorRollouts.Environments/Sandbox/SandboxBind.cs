namespace ActorRollouts.Environments.Sandbox;

/// <summary>A host file shown inside a bubblewrap sandbox at <paramref name="Inside"/> (under its fresh <c>/tmp</c>, so
/// nothing is created in the session's tree), read-only unless <paramref name="Writable"/>.</summary>
public sealed record SandboxBind(string Host, string Inside, bool Writable = false)
{
    public static IEnumerable<string> Arguments(IReadOnlyList<SandboxBind>? binds) =>
        (binds ?? []).SelectMany(b => (string[])[b.Writable ? "--bind" : "--ro-bind", b.Host, b.Inside]);
}
