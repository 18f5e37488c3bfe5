<?php
/**
 * The button's script: the widget's flat browser bundle, shipped inside the plugin
 * (assets/<version>/), never from an outside CDN, as WordPress.org requires. It is an ES module and
 * lazily imports the Mesh SDK chunk next to it, so it must be printed with type="module". WordPress 6.5+ has a script-module
 * API for that on the front end; 6.1–6.4, and the block editor on every release, get a classic
 * registration whose tag we rewrite.
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const MESH_PAY_SCRIPT_HANDLE = 'mesh-pay-button';
const MESH_PAY_SCRIPT_MODULE = '@mesh-pay/button';

/**
 * The bundle's URL inside this plugin. The release is in the path (the build copies the scripts to
 * assets/<version>/), so an update is a new URL for every cache.
 */
function mesh_pay_button_script_url() {
	return plugins_url( 'assets/' . MESH_PAY_VERSION . '/mesh-pay-button.js', MESH_PAY_PLUGIN_FILE );
}

/**
 * Registered with no version, so WordPress prints the URL without `?ver=`: the bundle's lazy chunks
 * import the entry as `./mesh-pay-button.js`, and a module is one instance per URL. With `?ver=`
 * the browser would fetch and run a second copy of the entry when a payment starts, and the
 * payment's half would talk to that copy (the button ended a payment blank instead of "Paid").
 */
const MESH_PAY_SCRIPT_VERSION = null;

/**
 * Whether this page loads the button through WordPress's script-module API. WordPress 6.5 prints
 * enqueued modules only in wp_head / wp_footer, never in wp-admin: a module enqueued for the block
 * editor there would silently never load, so the editor keeps the classic tag on every release.
 */
function mesh_pay_uses_script_modules() {
	return function_exists( 'wp_enqueue_script_module' ) && ! is_admin();
}

function mesh_pay_register_button_script() {
	if ( mesh_pay_uses_script_modules() ) {
		wp_register_script_module( MESH_PAY_SCRIPT_MODULE, mesh_pay_button_script_url(), array(), MESH_PAY_SCRIPT_VERSION );
		return;
	}
	wp_register_script( MESH_PAY_SCRIPT_HANDLE, mesh_pay_button_script_url(), array(), MESH_PAY_SCRIPT_VERSION, true );
	add_filter( 'script_loader_tag', 'mesh_pay_module_script_tag', 10, 3 );
}

/** Asked for by each rendered button; WordPress prints the script once. */
function mesh_pay_enqueue_button_script() {
	if ( mesh_pay_uses_script_modules() ) {
		wp_enqueue_script_module( MESH_PAY_SCRIPT_MODULE );
		return;
	}
	wp_enqueue_script( MESH_PAY_SCRIPT_HANDLE );
}

/**
 * Without the module API: the classic tag becomes a module tag (a classic script cannot run the
 * bundle's `import`). Built from scratch rather than edited, so no other filter's attributes
 * survive into it.
 *
 * @param string $tag    The tag WordPress built.
 * @param string $handle Script handle.
 * @param string $src    Script URL.
 * @return string
 */
function mesh_pay_module_script_tag( $tag, $handle, $src ) {
	if ( MESH_PAY_SCRIPT_HANDLE !== $handle ) {
		return $tag;
	}
	return sprintf( '<script type="module" src="%s" id="%s-js"></script>' . "\n", esc_url( $src ), esc_attr( $handle ) );
}
