using Google.Rpc;

namespace Mesh.ServiceDefaults.Errors;

/// <summary>
/// Collects what is wrong with a request, field by field, and ends the call with one INVALID_ARGUMENT carrying
/// google.rpc.BadRequest (the gateway turns it into a 400 naming the fields). Field paths use the proto names.
/// </summary>
public sealed class FieldViolations
{
    private readonly List<BadRequest.Types.FieldViolation> _violations = [];

    public FieldViolations Add(string field, string description)
    {
        _violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = $"{field} {description}" });
        return this;
    }

    /// <summary>Adds a violation when <paramref name="problem"/> is not null.</summary>
    public FieldViolations Check(string field, string? problem) => problem is null ? this : Add(field, problem);

    public FieldViolations MaxLength(string field, string value, int max) =>
        value.Length > max ? Add(field, $"must be at most {max} characters") : this;

    /// <summary>
    /// The UUID in <paramref name="value"/> (the canonical 8-4-4-4-12 form ids are written in), or null after adding
    /// "is required" / "must be a UUID" — so a request's id fields are checked together and reported at once.
    /// </summary>
    public Guid? Uuid(string field, string value)
    {
        if (Guid.TryParseExact(value, "D", out var id)) return id;
        Add(field, value.Length == 0 ? "is required" : "must be a UUID");
        return null;
    }

    /// <summary>The UUID in <paramref name="value"/>, or INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    public static Guid RequireUuid(string field, string value)
    {
        var violations = new FieldViolations();
        var id = violations.Uuid(field, value);
        violations.ThrowIfAny();
        return id!.Value;
    }

    public void ThrowIfAny()
    {
        if (_violations.Count == 0) return;
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = string.Join("; ", _violations.Select(v => v.Description)),
        };
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(_violations);
        throw status.WithDetail(badRequest).ToRpcException();
    }
}
