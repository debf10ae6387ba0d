/**
 * @dimforge/rapier2d-compat (Rust, wasm-bindgen `web` target with the
 * module inlined as base64; f32 physics throughout): a 2D world of boxes,
 * balls, capsules and polygons falling onto a ground and a ramp, bodies
 * joined by revolute and prismatic joints, a character pushed by a kinematic
 * body, stepped a few hundred times; every body's position, rotation and
 * velocities each step, contact and intersection events, ray casts, shape
 * casts and point projections, and the world's snapshot bytes. A physics step
 * amplifies any f32 rounding difference into visibly different trajectories,
 * so every f32 operation must round exactly as native does.
 */
import { createHash } from 'node:crypto';
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { rng } from './inputs.js';

// The CommonJS glue embeds its module as a base64 string (`AGFzbQ…`).
const WASM = packageWasm('@dimforge/rapier2d-compat', ['dist/rapier.cjs']);

async function workload(): Promise<unknown[]> {
  const R = freshRequire<any>('@dimforge/rapier2d-compat');
  await R.init();
  const out: unknown[] = [R.version()];
  const world = new R.World({ x: 0, y: -9.81 });
  const rand = rng(12345);
  // Static ground and a ramp.
  world.createCollider(R.ColliderDesc.cuboid(40, 0.5).setFriction(0.7));
  world.createCollider(R.ColliderDesc.cuboid(6, 0.2).setTranslation(-8, 6).setRotation(0.35).setRestitution(0.2));
  const bodies: any[] = [];
  for (let i = 0; i < 60; i++) {
    const body = world.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation(-12 + (i % 12) * 2 + rand(), 3 + Math.floor(i / 12) * 2.5).setRotation(rand() * 3).setLinvel(rand() - 0.5, 0).setAngularDamping(0.05));
    const k = i % 4;
    const desc = k === 0 ? R.ColliderDesc.cuboid(0.3 + rand() * 0.5, 0.3 + rand() * 0.5)
      : k === 1 ? R.ColliderDesc.ball(0.2 + rand() * 0.6)
      : k === 2 ? R.ColliderDesc.capsule(0.3 + rand() * 0.4, 0.2 + rand() * 0.2)
      : R.ColliderDesc.convexHull(new Float32Array([0, 0, 1 + rand(), 0, 0.5, 0.8 + rand(), -0.3, 0.4]));
    world.createCollider(desc.setDensity(0.5 + rand() * 2).setFriction(rand()).setRestitution(rand() * 0.5)
      .setActiveEvents(R.ActiveEvents.COLLISION_EVENTS), body);
    bodies.push(body);
  }
  // A chain of boxes joined by revolute joints, hanging from a fixed body, and a prismatic slider.
  const anchor = world.createRigidBody(R.RigidBodyDesc.fixed().setTranslation(10, 12));
  let prev = anchor;
  for (let i = 0; i < 8; i++) {
    const link = world.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation(10 + (i + 1) * 0.8, 12));
    world.createCollider(R.ColliderDesc.cuboid(0.35, 0.1), link);
    world.createImpulseJoint(R.JointData.revolute({ x: 0.4, y: 0 }, { x: -0.4, y: 0 }), prev, link, true);
    bodies.push(link);
    prev = link;
  }
  const slider = world.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation(0, 10));
  world.createCollider(R.ColliderDesc.cuboid(0.5, 0.5), slider);
  const prismatic = R.JointData.prismatic({ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 0 });
  prismatic.limitsEnabled = true;
  prismatic.limits = [-3, 3];
  world.createImpulseJoint(prismatic, anchor, slider, true);
  bodies.push(slider);
  // A kinematic pusher and a sensor.
  const pusher = world.createRigidBody(R.RigidBodyDesc.kinematicPositionBased().setTranslation(-20, 1.5));
  world.createCollider(R.ColliderDesc.cuboid(0.5, 1), pusher);
  const sensor = world.createCollider(R.ColliderDesc.cuboid(3, 3).setTranslation(0, 2).setSensor(true).setActiveEvents(R.ActiveEvents.COLLISION_EVENTS));

  const events = new R.EventQueue(true);
  for (let step = 0; step < 300; step++) {
    pusher.setNextKinematicTranslation({ x: -20 + step * 0.1, y: 1.5 });
    world.step(events);
    const state: number[] = [];
    for (const b of bodies) {
      const t = b.translation();
      const v = b.linvel();
      state.push(t.x, t.y, b.rotation(), v.x, v.y, b.angvel());
    }
    out.push(state);
    const ev: unknown[] = [];
    events.drainCollisionEvents((h1: number, h2: number, started: boolean) => ev.push([h1, h2, started]));
    out.push(ev);
    if (step % 50 === 49) {
      const ray = new R.Ray({ x: -15, y: 8 }, { x: 1, y: -0.4 });
      const hit = world.castRay(ray, 50, true);
      out.push(hit === null ? null : [hit.collider.handle, hit.timeOfImpact ?? hit.toi]);
      const proj = world.projectPoint({ x: 1, y: 1 }, true);
      out.push(proj === null ? null : [proj.collider.handle, proj.point.x, proj.point.y, proj.isInside]);
      const inside: number[] = [];
      world.intersectionsWithShape({ x: 0, y: 2 }, 0, new R.Cuboid(3, 3), (c: any) => (inside.push(c.handle), true));
      out.push(inside.sort((a, b) => a - b), world.narrowPhase.intersectionPair(sensor, world.getCollider(2)));
    }
  }
  const snap: Uint8Array = world.takeSnapshot();
  out.push(snap.length, createHash('sha256').update(snap).digest('hex'));
  const restored = R.World.restoreSnapshot(snap);
  restored.step();
  out.push(restored.bodies.len(), restored.getRigidBody(bodies[0].handle).translation());
  events.free();
  world.free();
  restored.free();
  return out;
}

sameAsNative('@dimforge/rapier2d-compat', ['auto'], WASM, workload);
