using System.Collections;
using System.Text;

namespace Mesh.Grpc;

/// <summary>
/// Custom headers or trailers of a call. Keys are lower-case ASCII; keys ending in "-bin" carry
/// binary values (base64 on the wire), all others carry printable ASCII strings.
/// </summary>
public sealed class Metadata : IList<Metadata.Entry>
{
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>An empty, read-only instance.</summary>
    public static readonly Metadata Empty = new Metadata().Freeze();

    private readonly List<Entry> _entries = new();
    private bool _readOnly;

    public Metadata Freeze()
    {
        _readOnly = true;
        return this;
    }

    public bool IsReadOnly => _readOnly;
    public int Count => _entries.Count;

    public Entry this[int index]
    {
        get => _entries[index];
        set { CheckWritable(); _entries[index] = value ?? throw new ArgumentNullException(nameof(value)); }
    }

    public void Add(string key, string value) => Add(new Entry(key, value));
    public void Add(string key, byte[] valueBytes) => Add(new Entry(key, valueBytes));

    public void Add(Entry item)
    {
        CheckWritable();
        _entries.Add(item ?? throw new ArgumentNullException(nameof(item)));
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase)) return _entries[i];
        return null;
    }

    /// <summary>The string value of the last entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The binary value of the last entry with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key)
    {
        foreach (var e in _entries)
            if (string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) yield return e;
    }

    public int IndexOf(Entry item) => _entries.IndexOf(item);
    public void Insert(int index, Entry item) { CheckWritable(); _entries.Insert(index, item); }
    public void RemoveAt(int index) { CheckWritable(); _entries.RemoveAt(index); }
    public void Clear() { CheckWritable(); _entries.Clear(); }
    public bool Contains(Entry item) => _entries.Contains(item);
    public void CopyTo(Entry[] array, int arrayIndex) => _entries.CopyTo(array, arrayIndex);
    public bool Remove(Entry item) { CheckWritable(); return _entries.Remove(item); }
    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    private void CheckWritable()
    {
        if (_readOnly) throw new InvalidOperationException("Metadata is read-only.");
    }

    /// <summary>One key/value pair.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
                throw new ArgumentException($"Key \"{Key}\" ends with \"-bin\" and needs a byte[] value.", nameof(value));
            ArgumentNullException.ThrowIfNull(value);
            foreach (var c in value)
                if (c < 0x20 || c > 0x7E)
                    throw new ArgumentException($"Metadata value for \"{Key}\" must be printable ASCII.", nameof(value));
            _value = value;
        }

        public Entry(string key, byte[] valueBytes)
        {
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
                throw new ArgumentException($"Key \"{Key}\" needs the \"-bin\" suffix to carry a byte[] value.", nameof(valueBytes));
            _valueBytes = valueBytes ?? throw new ArgumentNullException(nameof(valueBytes));
        }

        public string Key { get; }
        public bool IsBinary => _valueBytes is not null;

        /// <summary>The string value; for a binary entry, an error.</summary>
        public string Value => _value ?? throw new InvalidOperationException($"Entry \"{Key}\" is binary: read ValueBytes.");

        /// <summary>The bytes of the value (ASCII bytes of a string value).</summary>
        public byte[] ValueBytes => _valueBytes ?? Encoding.ASCII.GetBytes(_value!);

        public override string ToString() => IsBinary ? $"[Entry: key={Key}, valueBytes={_valueBytes!.Length} bytes]" : $"[Entry: key={Key}, value={_value}]";

        public static bool IsBinaryKey(string key) => key.EndsWith(BinaryHeaderSuffix, StringComparison.OrdinalIgnoreCase);

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var lower = key.ToLowerInvariant();
            foreach (var c in lower)
            {
                var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.';
                if (!ok) throw new ArgumentException($"Metadata key \"{key}\" has an invalid character '{c}'.", nameof(key));
            }
            if (lower.StartsWith("grpc-", StringComparison.Ordinal) && lower != "grpc-status-details-bin")
                throw new ArgumentException($"Metadata key \"{key}\" is reserved for the gRPC protocol.", nameof(key));
            return lower;
        }
    }
}
