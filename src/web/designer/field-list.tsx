import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { FieldDraft } from './draft-model.js';
import { moved, TYPE_LABELS } from './draft-model.js';

function FieldRow(props: {
  field: FieldDraft;
  index: number;
  count: number;
  selected: boolean;
  incomplete: boolean;
  onSelect: () => void;
  onMove: (to: number) => void;
}) {
  const { field, index } = props;
  const sortable = useSortable({ id: field.key });
  const style = { transform: CSS.Transform.toString(sortable.transform), transition: sortable.transition };
  return (
    <li ref={sortable.setNodeRef} style={style} className={props.selected ? 'selected' : undefined}>
      <button
        type="button"
        className="drag-handle"
        aria-label={`Drag ${field.label || field.oid} to reorder`}
        {...sortable.attributes}
        {...sortable.listeners}
      >
        ⠿
      </button>
      <button type="button" className="field-pick" onClick={props.onSelect} aria-pressed={props.selected}>
        <strong>{field.label || '(no label yet)'}</strong> <span className="muted">{field.oid}</span>{' '}
        <span className="badge">{field.type === '' ? 'no type' : TYPE_LABELS[field.type]}</span>{' '}
        <span className={`badge class-${field.class || 'none'}`}>{field.class || 'no class'}</span>
        {props.incomplete && <span className="error"> needs attention</span>}
      </button>
      <button
        type="button"
        aria-label={`Move ${field.oid} up`}
        disabled={index === 0}
        onClick={() => props.onMove(index - 1)}
      >
        ↑
      </button>
      <button
        type="button"
        aria-label={`Move ${field.oid} down`}
        disabled={index === props.count - 1}
        onClick={() => props.onMove(index + 1)}
      >
        ↓
      </button>
    </li>
  );
}

/** The form's fields in order: drag and drop (@dnd-kit, also by keyboard) or the arrow buttons. */
export function FieldList(props: {
  fields: readonly FieldDraft[];
  selected: string | undefined;
  incomplete: ReadonlySet<string>;
  onSelect: (key: string) => void;
  onReorder: (fields: FieldDraft[]) => void;
}) {
  const { fields } = props;
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const onDragEnd = (event: DragEndEvent) => {
    const from = fields.findIndex((f) => f.key === event.active.id);
    const to = fields.findIndex((f) => f.key === event.over?.id);
    if (from >= 0 && to >= 0 && from !== to) props.onReorder(moved(fields, from, to));
  };
  return (
    <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
      <SortableContext items={fields.map((f) => f.key)} strategy={verticalListSortingStrategy}>
        <ol className="field-list" aria-label="Fields">
          {fields.map((f, i) => (
            <FieldRow
              key={f.key}
              field={f}
              index={i}
              count={fields.length}
              selected={f.key === props.selected}
              incomplete={props.incomplete.has(f.key)}
              onSelect={() => props.onSelect(f.key)}
              onMove={(to) => props.onReorder(moved(fields, i, to))}
            />
          ))}
        </ol>
      </SortableContext>
    </DndContext>
  );
}
