namespace Mesh.Gateway.Routing;

/// <summary>
/// A parsed google.api.http path template (grammar from google/api/http.proto):
/// <code>
/// Template = "/" Segments [ Verb ] ;   Segments = Segment { "/" Segment } ;
/// Segment  = "*" | "**" | LITERAL | Variable ;   Variable = "{" FieldPath [ "=" Segments ] "}" ;
/// FieldPath = IDENT { "." IDENT } ;     Verb = ":" LITERAL ;
/// </code>
/// Variables are flattened into the segment list as [Start, End) ranges, so matching is one pass over segments.
/// </summary>
public sealed class PathTemplate
{
    private PathTemplate(string text, IReadOnlyList<TemplateSegment> segments, IReadOnlyList<TemplateVariable> variables, string? verb)
    {
        Text = text;
        Segments = segments;
        Variables = variables;
        Verb = verb;
    }

    public string Text { get; }
    public IReadOnlyList<TemplateSegment> Segments { get; }
    public IReadOnlyList<TemplateVariable> Variables { get; }

    /// <summary>The custom verb after the last ':' (e.g. "cancel"), or null.</summary>
    public string? Verb { get; }

    /// <summary>True when the template ends in "**" (matches any number of trailing segments, including none).</summary>
    public bool EndsWithDeepWildcard => Segments.Count > 0 && Segments[^1].Kind == SegmentKind.DeepWildcard;

    public static PathTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith('/')) throw new FormatException($"Path template '{text}' must start with '/'.");
        var parser = new Parser(text);
        return parser.Parse();
    }

    public override string ToString() => Text;

    /// <summary>Recursive-descent parser over the template text; errors name the template and the position.</summary>
    private sealed class Parser(string text)
    {
        private int _pos = 1; // after the leading '/'
        private readonly List<TemplateSegment> _segments = [];
        private readonly List<TemplateVariable> _variables = [];

        public PathTemplate Parse()
        {
            ParseSegments(insideVariable: false);
            string? verb = null;
            if (_pos < text.Length && text[_pos] == ':')
            {
                _pos++;
                verb = ReadLiteral();
                if (verb.Length == 0) Fail("an empty custom verb");
            }
            if (_pos != text.Length) Fail($"unexpected '{text[_pos]}'");
            for (var i = 0; i < _segments.Count - 1; i++)
                if (_segments[i].Kind == SegmentKind.DeepWildcard) Fail("'**' before the last segment");
            return new PathTemplate(text, _segments, _variables, verb);
        }

        private void ParseSegments(bool insideVariable)
        {
            while (true)
            {
                ParseSegment(insideVariable);
                if (_pos < text.Length && text[_pos] == '/') { _pos++; continue; }
                return;
            }
        }

        private void ParseSegment(bool insideVariable)
        {
            if (_pos >= text.Length) Fail("an empty segment");
            if (text[_pos] == '{')
            {
                if (insideVariable) Fail("a variable inside a variable");
                ParseVariable();
            }
            else if (text.AsSpan(_pos).StartsWith("**"))
            {
                _pos += 2;
                _segments.Add(TemplateSegment.DeepWildcardSegment);
            }
            else if (text[_pos] == '*')
            {
                _pos++;
                _segments.Add(TemplateSegment.WildcardSegment);
            }
            else
            {
                var literal = ReadLiteral();
                if (literal.Length == 0) Fail("an empty segment");
                _segments.Add(TemplateSegment.Literal(literal));
            }
        }

        private void ParseVariable()
        {
            _pos++; // '{'
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '.')) _pos++;
            var fieldPath = text[start.._pos];
            if (fieldPath.Length == 0 || fieldPath.StartsWith('.') || fieldPath.EndsWith('.') || fieldPath.Contains(".."))
                Fail("a variable without a field path");
            var first = _segments.Count;
            if (_pos < text.Length && text[_pos] == '=')
            {
                _pos++;
                ParseSegments(insideVariable: true);
            }
            else
            {
                _segments.Add(TemplateSegment.WildcardSegment); // {var} is {var=*}
            }
            if (_pos >= text.Length || text[_pos] != '}') Fail("a variable without its closing '}'");
            _pos++;
            _variables.Add(new TemplateVariable(fieldPath, first, _segments.Count));
        }

        private string ReadLiteral()
        {
            var start = _pos;
            while (_pos < text.Length && text[_pos] is not ('/' or '{' or '}' or ':' or '*' or '=')) _pos++;
            return text[start.._pos];
        }

        private void Fail(string what) =>
            throw new FormatException($"Path template '{text}' has {what} at position {_pos}.");
    }
}

public enum SegmentKind { Literal, Wildcard, DeepWildcard }

public sealed record TemplateSegment(SegmentKind Kind, string? Text)
{
    public static readonly TemplateSegment WildcardSegment = new(SegmentKind.Wildcard, null);
    public static readonly TemplateSegment DeepWildcardSegment = new(SegmentKind.DeepWildcard, null);
    public static TemplateSegment Literal(string text) => new(SegmentKind.Literal, text);
}

/// <summary>A variable binding the segments [Start, End) of the template to a request field path ("book.name").</summary>
public sealed record TemplateVariable(string FieldPath, int Start, int End);
